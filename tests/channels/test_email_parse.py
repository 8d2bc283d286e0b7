"""uanl.channels.email_parse: hand-made messages, then the colleague's corpus (expected.json)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from uanl.channels.email_parse import parse_email, sniff_type
from uanl.channels.email_text import html_to_text, strip_reply


def _msg(headers: str, body: str) -> bytes:
    return (headers.strip() + "\n\n" + body).replace("\n", "\r\n").encode("latin-1")


def test_latin1_quoted_printable_rfc2047_and_token():
    raw = _msg(
        """
From: =?ISO-8859-1?Q?Jos=E9_Pe=F1a?= <Jose.Pena@UANL.edu.mx>
To: soporte@uanl.mx
Subject: =?UTF-8?B?UkU6IEltcHJlc29yYSBzaW4gdMOzbmVy?= [#4512]
Message-ID: <abc@mail.uanl.mx>
In-Reply-To: <t4512@desk.uanl.mx>
References: <t4512@desk.uanl.mx>
 <x1@mail.uanl.mx>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable
""",
        "La impresora sigue sin t=F3ner.   \n\n\n\nGracias por la atenci=F3n.\n",
    )
    p = parse_email(raw)
    assert p.subject == "RE: Impresora sin tóner [#4512]"
    assert p.ticket_token == 4512
    assert (p.from_address, p.from_name) == ("jose.pena@uanl.edu.mx", "José Peña")
    assert p.message_id == "<abc@mail.uanl.mx>"
    assert p.in_reply_to == "<t4512@desk.uanl.mx>"
    assert p.references == ["<t4512@desk.uanl.mx>", "<x1@mail.uanl.mx>"]
    assert p.text == "La impresora sigue sin tóner.\n\nGracias por la atención."
    assert not (p.auto_reply or p.bounce or p.bulk) and p.attachments == []


def test_windows_1252_and_base64_utf8():
    body = "“Comillas” y € en cp1252".encode("cp1252")
    raw = (
        b"From: a@b.mx\r\nSubject: x\r\nContent-Type: text/plain; charset=windows-1252\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
    assert parse_email(raw).text == "“Comillas” y € en cp1252"
    b64 = base64.b64encode("Contraseña bloqueada".encode()).decode()
    raw = _msg(
        "From: a@b.mx\nSubject: y\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: base64",
        b64 + "\n",
    )
    p = parse_email(raw)
    assert p.text == "Contraseña bloqueada" and p.ticket_token is None and p.from_name is None


def test_html_only_becomes_readable_text():
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<script>alert(1)</script><p>Hola,&nbsp;no&nbsp;entra &amp; sale</p>"
        "<div>Línea&#160;2<br>Línea 3</div><ul><li>uno</li><li>dos</li></ul></body></html>"
    )
    raw = _msg("From: a@b.mx\nSubject: h\nContent-Type: text/html; charset=utf-8", "")
    raw = raw + html.encode()
    assert parse_email(raw).text == "Hola, no entra & sale\nLínea 2\nLínea 3\nuno\ndos"
    assert html_to_text("<p>a</p><blockquote>old</blockquote><p>b</p>") == "a\nb"
    assert html_to_text("<div>a</div><div><br></div><div>b<br>c</div>") == "a\n\nb\nc"


def test_quotes_signatures_and_disclaimers_are_cut():
    gmail = (
        "Ya quedó, gracias.\n\nEl lun, 7 dic 2026 a las 10:15, Mesa de Servicio\n"
        "<soporte@uanl.mx> escribió:\n> Su ticket fue atendido.\n"
    )
    assert strip_reply(gmail) == "Ya quedó, gracias."
    outlook = (
        "Adjunto la captura.\n\nSaludos cordiales,\nMaría López\nCoordinadora TI\n"
        "Tel. 81 8329 4000\n\n________________________________\nDe: Soporte <s@uanl.mx>\n"
        "Enviado: lunes, 7 de diciembre de 2026 10:15\nPara: María\nAsunto: RE: x\n\nviejo\n"
    )
    assert strip_reply(outlook) == "Adjunto la captura."
    apple = "Sí funciona.\n\nEnviado desde mi iPhone\n\nEl 7 dic 2026, a las 10:15, X escribió:\n"
    assert strip_reply(apple) == "Sí funciona."
    english = "Works now.\n\nThanks,\nJohn\n\n-----Original Message-----\nFrom: a\nSent: b\n"
    assert strip_reply(english) == "Works now."
    disclaimer = "Favor de revisar.\n\nAVISO DE CONFIDENCIALIDAD: Este correo es confidencial.\n"
    assert strip_reply(disclaimer) == "Favor de revisar."
    para = "Hola.\n\nEste correo electrónico y sus anexos son\nconfidenciales y para uso...\n"
    assert strip_reply(para) == "Hola."
    assert strip_reply("Hola\n-- \nJuan\nTel 123") == "Hola"
    assert strip_reply("Mira esto.\n\nBegin forwarded message:\n\nFrom: x") == "Mira esto."
    assert strip_reply("Ok.\n" + "_" * 32 + "\nlo que sea") == "Ok."
    # "Quedo atenta." is a sentence; the last closing and its block go; placeholders go
    kept = "Hola.\n\nQuedo atenta.\n\nSaludos,\nAna\nTel. 81 1234"
    assert strip_reply(kept) == "Hola.\n\nQuedo atenta."
    assert strip_reply("Mire:\n[cid:image001.png@01D]\nya.\n\nGracias!") == "Mire:\n\nya."
    # a closing followed by a long paragraph is not a signature
    long_tail = "Hola.\n\nGracias,\n" + "esto es parte del mensaje y sigue " * 5
    assert strip_reply(long_tail) == long_tail.strip()


def _multipart(parts: list[tuple[str, bytes]], ctype: str = "multipart/mixed") -> bytes:
    out = [f"From: a@b.mx\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: {ctype}; "]
    out.append('boundary="BB"\r\n\r\n')
    for headers, body in parts:
        out.append("--BB\r\n" + headers.replace("\n", "\r\n") + "\r\n\r\n")
        out.append(body.decode("latin-1") + "\r\n")
    out.append("--BB--\r\n")
    return "".join(out).encode("latin-1")


def _b64_part(ctype: str, filename: str, data: bytes) -> tuple[str, bytes]:
    headers = (
        f"Content-Type: {ctype}\nContent-Transfer-Encoding: base64\n"
        f'Content-Disposition: attachment; filename="{filename}"'
    )
    return headers, base64.encodebytes(data)


def test_attachments_sniffed_and_capped():
    pdf = b"%PDF-1.7\n" + b"x" * 100
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 50
    big = b"\xff\xd8\xff\xe0" + b"\0" * 2000
    raw = _multipart(
        [
            ("Content-Type: text/plain; charset=utf-8", b"Ver adjuntos."),
            _b64_part("application/octet-stream", "reporte.pdf", pdf),
            _b64_part("image/jpeg", "captura.png", png),  # declared type kept: not generic
            _b64_part("application/octet-stream", "../../foto.jpg", big),
        ]
    )
    p = parse_email(raw, max_attachment_bytes=1000)
    assert p.text == "Ver adjuntos."
    a = [(x.filename, x.content_type, x.size, x.too_large) for x in p.attachments]
    assert a == [
        ("reporte.pdf", "application/pdf", len(pdf), False),
        ("captura.png", "image/jpeg", len(png), False),
        ("foto.jpg", "image/jpeg", len(big), True),
    ]
    assert p.attachments[0].payload == pdf and p.attachments[2].payload is None
    assert sniff_type(b"PK\x03\x04rest", "a.XLSX").endswith("spreadsheetml.sheet")
    assert sniff_type(b"GIF89a..") == "image/gif" and sniff_type(b"MZ\x90") is None


def test_auto_reply_bounce_and_bulk_flags():
    auto = _msg("From: a@b.mx\nSubject: Fuera\nAuto-Submitted: auto-replied", "Vuelvo el lunes.")
    assert parse_email(auto).auto_reply
    not_auto = _msg("From: a@b.mx\nSubject: x\nAuto-Submitted: no", "Hola")
    assert not parse_email(not_auto).auto_reply
    outlook = _msg(
        "From: a@b.mx\nSubject: Respuesta automática: RE: x\nX-Auto-Response-Suppress: All",
        "Estoy de vacaciones.",
    )
    assert parse_email(outlook).auto_reply
    assert parse_email(_msg("From: a@b.mx\nSubject: x\nX-Autoreply: yes", "x")).auto_reply
    bulk = _msg("From: a@b.mx\nSubject: x\nList-Id: <news.uanl.mx>", "x")
    assert parse_email(bulk).bulk
    assert parse_email(_msg("From: a@b.mx\nSubject: x\nPrecedence: junk", "x")).bulk
    dsn = _multipart(
        [
            ("Content-Type: text/plain", b"Delivery failed."),
            (
                "Content-Type: message/delivery-status",
                b"Reporting-MTA: dns; mx.uanl.mx\r\n\r\n"
                b"Final-Recipient: rfc822; Nadie@UANL.mx\r\nAction: failed\r\nStatus: 5.1.1",
            ),
        ],
        ctype="multipart/report; report-type=delivery-status",
    )
    p = parse_email(dsn)
    assert p.bounce and p.bounced_recipient == "nadie@uanl.mx" and p.attachments == []
    daemon = _msg("From: MAILER-DAEMON@mx.uanl.mx\nSubject: Undeliverable", "x")
    assert parse_email(daemon).bounce and parse_email(daemon).bounced_recipient is None


CORPUS = Path(__file__).parent / "corpus"
# Read at collection: a missing corpus is an error, never a skip.
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name):
    expected = EXPECTED[name]
    parsed = parse_email((CORPUS / name).read_bytes())
    got = {field: getattr(parsed, field) for field in expected if field != "attachments"}
    got["attachments"] = [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size}
        for a in parsed.attachments
    ]
    assert got == expected
    for a in parsed.attachments:
        assert a.payload is not None and len(a.payload) == a.size and not a.too_large


def test_corpus_is_complete():
    assert len(EXPECTED) >= 32
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.glob("*.eml"))
