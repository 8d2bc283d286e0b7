"""Word lists for the demo dataset: people, companies, places and service-desk requests.

Everything here is invented; any resemblance to a real company is a coincidence of common
Spanish words. Ticket texts are what a Monterrey service desk hears every day.
"""

from __future__ import annotations

SKILLS: tuple[str, ...] = ("redes", "hardware", "software", "facturacion", "telefonia", "accesos")

ADMIN = ("Administrador Demo", "admin@demo.uanl.mx")
SUPERVISOR = ("Mariana Treviño Garza", "supervisora@demo.uanl.mx", ("redes", "facturacion"))

# (full name, skills) for the operators; emails are made from the first name and surname.
OPERATORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("José Luis Garza Villarreal", ("redes", "telefonia")),
    ("Ana Sofía Cantú Salinas", ("software", "accesos")),
    ("Jorge Alberto Elizondo Ríos", ("hardware", "redes")),
    ("Daniela Martínez Leal", ("facturacion", "software")),
    ("Ricardo González Treviño", ("telefonia", "hardware")),
    ("Fernanda Rodríguez Guerra", ("accesos", "software", "facturacion")),
    ("Luis Ángel Hernández Cavazos", ("redes", "hardware")),
    ("Karla Patricia Saldaña Ibarra", ("software", "facturacion")),
    ("Héctor Manuel Zambrano Díaz", ("hardware", "telefonia", "redes")),
    ("Paola Alejandra Sepúlveda Lozano", ("accesos", "redes")),
    ("Roberto Carlos Benavides Flores", ("telefonia", "accesos")),
)

FIRST_NAMES: tuple[str, ...] = (
    "Alejandro", "Adriana", "Arturo", "Beatriz", "Carlos", "Carmen", "Claudia", "Diego",
    "Eduardo", "Elena", "Enrique", "Gabriela", "Gerardo", "Guadalupe", "Ignacio", "Irma",
    "Javier", "Juan Pablo", "Laura", "Leticia", "Lorena", "Manuel", "Marco Antonio", "María José",
    "Martha", "Miguel", "Mónica", "Norma", "Óscar", "Patricia", "Raúl", "Rocío", "Rodrigo",
    "Sandra", "Sergio", "Silvia", "Tomás", "Verónica", "Víctor", "Ximena", "Yolanda", "Samuel",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Aguilar", "Alanís", "Barrera", "Cárdenas", "Castillo", "Chapa", "Cruz", "de la Garza",
    "Domínguez", "Escamilla", "Esparza", "Fernández", "Flores", "García", "Gómez", "Guajardo",
    "Gutiérrez", "Jiménez", "López", "Maldonado", "Medina", "Montemayor", "Morales", "Moreno",
    "Ortiz", "Pérez", "Quintanilla", "Ramírez", "Reyna", "Rivera", "Sánchez", "Santos",
    "Tamez", "Torres", "Valdez", "Vázquez", "Villarreal", "Zavala",
)  # fmt: skip

# Company names: "<kind> <core> <legal form>"; the core also gives the e-mail domain.
COMPANY_KINDS: tuple[str, ...] = (
    "Grupo", "Comercializadora", "Distribuidora", "Servicios", "Industrias", "Transportes",
    "Constructora", "Farmacias", "Logística", "Alimentos", "Autopartes", "Inmobiliaria",
    "Consultores", "Hospital", "Colegio", "Aceros", "Plásticos", "Muebles",
)  # fmt: skip

COMPANY_CORES: tuple[str, ...] = (
    "del Norte", "Monterrey", "Cumbres", "Jalisco", "Anáhuac", "Sierra Madre",
    "Valle Oriente", "Cerro de la Silla", "Obispado", "Santa Catarina", "Apodaca",
    "San Nicolás", "del Bajío", "Azteca", "Chapultepec", "Insurgentes", "Providencia",
    "Zapopan", "Tlaquepaque", "Huasteca", "Mitras", "Linda Vista", "Real de Minas",
    "Nogalar", "Contry", "Fundidora", "Pacífico", "Golfo", "Laguna", "Alameda",
    "Polanco", "Tonalá", "Chipinque", "Escobedo", "Guadalupe", "Juárez", "Virreyes",
    "Metrópoli", "Hidalgo", "Morelos", "Pedregal", "Reforma",
)  # fmt: skip

LEGAL_FORMS: tuple[tuple[str, int], ...] = (
    ("S.A. de C.V.", 60),
    ("S. de R.L. de C.V.", 20),
    ("S.A.P.I. de C.V.", 12),
    ("S.C.", 8),
)

# Words SAT ignores when it builds a company's RFC initials.
RFC_SKIP_WORDS = frozenset(
    {"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN", "CON", "PARA", "POR", "SA", "CV"}
)

# (city, state abbreviation, area code, [(colonia, postcode range)], streets)
CITIES: tuple[tuple[str, str, str, tuple[tuple[str, int, int], ...], tuple[str, ...]], ...] = (
    (
        "Monterrey",
        "N.L.",
        "81",
        (
            ("Centro", 64000, 64000),
            ("Obispado", 64060, 64060),
            ("Mitras Centro", 64460, 64460),
            ("Cumbres", 64610, 64619),
            ("Contry", 64860, 64860),
            ("Valle Oriente", 66269, 66269),
            ("Del Valle", 66220, 66220),
            ("Anáhuac", 66450, 66450),
        ),
        (
            "Av. Constitución", "Av. José Vasconcelos", "Calz. del Valle", "Av. Gonzalitos",
            "Av. Lázaro Cárdenas", "Av. Paseo de los Leones", "Av. Eugenio Garza Sada",
            "Av. Universidad", "Calle Padre Mier", "Av. Ricardo Margáin",
        ),
    ),
    (
        "Ciudad de México",
        "CDMX",
        "55",
        (
            ("Polanco", 11560, 11560),
            ("Roma Norte", 6700, 6700),
            ("Condesa", 6140, 6140),
            ("Del Valle", 3100, 3100),
            ("Santa Fe", 1210, 1219),
            ("Nápoles", 3810, 3810),
        ),
        (
            "Paseo de la Reforma", "Av. Insurgentes Sur", "Av. Presidente Masaryk",
            "Av. Álvaro Obregón", "Av. Patriotismo", "Calle Durango", "Av. Vasco de Quiroga",
        ),
    ),
    (
        "Guadalajara",
        "Jal.",
        "33",
        (
            ("Providencia", 44630, 44630),
            ("Americana", 44160, 44160),
            ("Chapalita", 44500, 44500),
            ("Ladrón de Guevara", 44600, 44600),
        ),
        (
            "Av. Chapultepec", "Av. López Mateos Norte", "Av. Vallarta", "Av. México",
            "Av. Américas", "Calle Morelos",
        ),
    ),
)  # fmt: skip

BRANCHES: tuple[str, ...] = (
    "Cumbres", "San Pedro", "Centro", "Valle Oriente", "Apodaca", "Escobedo", "Santa Catarina",
    "Guadalupe", "San Nicolás", "Linda Vista", "Contry", "Mitras", "Polanco", "Zapopan",
)  # fmt: skip

# Per category: title templates ({suc} = a branch, {n} = a small number) and descriptions.
TICKET_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "redes": (
        (
            "No hay internet en sucursal {suc}",
            "Internet muy lento en oficinas de {suc}",
            "Se cae la VPN cada {n} minutos",
            "El Wi-Fi de la sala de juntas no conecta",
            "Switch del site de {suc} con luces en ámbar",
            "Sin enlace entre sucursal {suc} y matriz",
            "No resuelve el DNS interno",
            "Cámaras de seguridad sin red en {suc}",
        ),
        (
            "Desde temprano los equipos no navegan; ya reiniciamos el módem y sigue igual.",
            "Los usuarios reportan que las páginas cargan a medias y se corta la conexión.",
            "El punto de venta no puede cobrar con tarjeta porque no hay conexión.",
            "Se hizo un cambio de cableado ayer y desde entonces falla la red.",
        ),
    ),
    "hardware": (
        (
            "La impresora no jala",
            "Impresora de {suc} atasca el papel",
            "Laptop no enciende después de actualización",
            "Monitor parpadea en caja {n}",
            "No-break pitando en el site de {suc}",
            "Lector de código de barras no lee",
            "Teclado y mouse inalámbricos no responden",
            "Se necesita cambio de tóner en {suc}",
        ),
        (
            "Ya revisamos cables y corriente; el equipo sigue sin funcionar.",
            "La impresora marca error y no saca las facturas del día.",
            "El equipo hace un ruido extraño y se apaga solo.",
            "Necesitamos que venga un técnico porque no podemos trabajar así.",
        ),
    ),
    "software": (
        (
            "El sistema de inventarios marca error al guardar",
            "Outlook no sincroniza el correo",
            "No abre el ERP desde esta mañana",
            "Actualización de Windows trabada al {n}%",
            "Excel se cierra al abrir el reporte de ventas",
            "Instalar antivirus en equipo nuevo",
            "El punto de venta se congela al cobrar",
            "Solicitud de instalación de Office en {n} equipos",
        ),
        (
            "Aparece un mensaje de error y se cierra el programa; adjunto captura.",
            "Nos urge porque es cierre de mes y no podemos sacar los reportes.",
            "Ya intentamos reiniciar y reinstalar sin éxito.",
            "Le pasa a todos los usuarios del área de administración.",
        ),
    ),
    "facturacion": (
        (
            "Error al timbrar factura CFDI",
            "No llega el XML de la factura al cliente",
            "Complemento de pago rechazado por el SAT",
            "Cancelación de CFDI pendiente de aceptación",
            "Certificado de sello digital por vencer",
            "Factura con RFC del receptor incorrecto",
            "Error CFDI40 en régimen fiscal del receptor",
            "No se puede generar la nota de crédito",
        ),
        (
            "El PAC responde con error de validación y la factura no se timbra.",
            "El cliente pide su factura hoy mismo para poder pagar.",
            "Revisamos los datos fiscales del receptor y parecen correctos.",
            "Necesitamos apoyo con la configuración del CSD en el sistema.",
        ),
    ),
    "telefonia": (
        (
            "El conmutador no recibe llamadas",
            "Extensión {n} sin tono",
            "No funciona el buzón de voz en {suc}",
            "Llamadas se cortan a los pocos segundos",
            "Teléfono IP no registra en la central",
            "Desviar línea principal a celular de guardia",
            "No se escucha el audio en llamadas salientes",
        ),
        (
            "Los clientes nos dicen que suena ocupado todo el día.",
            "Desde el cambio de proveedor las llamadas fallan.",
            "Necesitamos la línea funcionando para atender pedidos.",
            "Ya revisamos el cable de red del teléfono.",
        ),
    ),
    "accesos": (
        (
            "Alta de usuario para nuevo ingreso",
            "Restablecer contraseña de correo",
            "Usuario bloqueado en el ERP",
            "Baja de usuario por salida de personal",
            "Permisos a carpeta compartida de Contabilidad",
            "No puedo entrar al portal de proveedores",
            "Configurar doble factor de autenticación",
            "Acceso a la VPN para trabajo remoto",
        ),
        (
            "El colaborador empieza el lunes y necesita correo y acceso al sistema.",
            "Después de tres intentos la cuenta quedó bloqueada.",
            "Por favor dar de baja hoy mismo todos los accesos.",
            "Se requiere autorización del gerente, ya viene en copia.",
        ),
    ),
}

CATEGORY_TAGS: dict[str, tuple[str, ...]] = {
    "redes": ("internet", "vpn", "wifi", "sucursal", "enlace"),
    "hardware": ("impresora", "laptop", "garantia", "refaccion", "sucursal"),
    "software": ("erp", "office", "correo", "actualizacion"),
    "facturacion": ("cfdi", "sat", "pac", "cierre-de-mes"),
    "telefonia": ("conmutador", "extension", "voip"),
    "accesos": ("alta", "baja", "contraseña", "vpn"),
}

REPLIES: tuple[str, ...] = (
    "Buen día, ya estamos revisando su reporte; le mantenemos informado.",
    "Gracias por su paciencia. ¿Nos puede confirmar si el problema continúa?",
    "Se aplicó la solución; por favor valide y nos confirma.",
    "Programamos visita técnica para revisar el equipo en sitio.",
)

INTERNAL_NOTES: tuple[str, ...] = (
    "Cliente reincidente, revisar historial antes de cerrar.",
    "Se escaló con el proveedor del enlace, folio pendiente.",
    "Pendiente refacción; el almacén confirma llegada en 48 h.",
    "Validado con el gerente de sucursal.",
)

CSAT_COMMENTS: tuple[str, ...] = (
    "Muy rápida la atención, gracias.",
    "Excelente servicio, el técnico muy amable.",
    "Tardaron pero quedó resuelto.",
    "Se tuvo que reportar dos veces.",
    "Todo bien.",
)

CALL_NOTES: dict[str, tuple[str, ...]] = {
    "resolved": ("Se resolvió en línea.", "Se guió al usuario paso a paso.", "Duda resuelta."),
    "escalated": ("Se escala a segundo nivel.", "Requiere visita en sitio."),
    "callback": ("Cliente pide que le regresen la llamada.", "Se acordó llamar por la tarde."),
    "abandoned": ("Colgó en la fila de espera.",),
    "voicemail": ("Dejó mensaje en buzón.",),
    "ticket_created": ("Se levantó ticket.",),
    "transferred": ("Se transfirió a ventas.",),
}

VISIT_NOTES: tuple[str, ...] = (
    "Llevar refacción y escalera.",
    "Preguntar por el encargado de sistemas en recepción.",
    "Acceso por estacionamiento lateral.",
    "Revisión de cableado y equipo activo.",
)
