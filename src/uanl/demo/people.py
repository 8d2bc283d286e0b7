"""Demo operators and client companies (deterministic for a given random generator)."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from uanl.core.validators import normalise_rfc, rfc_check_digit
from uanl.demo import names

HOMOCLAVE_CHARS = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
TIER_WEIGHTS = {"basic": 30, "standard": 40, "premium": 20, "enterprise": 10}
# How many more tickets and calls a client of each tier generates.
TIER_ACTIVITY = {"basic": 1.0, "standard": 2.0, "premium": 3.0, "enterprise": 5.0}
CIVIL_KINDS = ("Consultores", "Colegio", "Hospital")


@dataclass
class DemoOperator:
    name: str
    email: str
    role: str
    skills: list[str]
    max_open_tickets: int
    is_available: bool
    phone: str
    is_senior: bool = False
    id: int = 0


@dataclass
class DemoClient:
    name: str
    rfc: str
    contact_name: str
    email: str
    phone: str
    address: str
    tier: str
    language: str
    notes: str | None
    domain: str
    id: int = 0
    weight: float = field(default=1.0)


def ascii_slug(text: str, sep: str = "") -> str:
    """'José Luis' -> 'joseluis' (or 'jose.luis' with sep='.'): e-mail friendly."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join(w for w in "".join(c if c.isalnum() else " " for c in plain).lower().split())


def mobile_phone(rng: random.Random, area: str = "81") -> str:
    return f"+52{area}{rng.randrange(10**7, 10**8)}"


def person_name(rng: random.Random) -> str:
    return (
        f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.SURNAMES)} {rng.choice(names.SURNAMES)}"
    )


def build_operators(rng: random.Random) -> list[DemoOperator]:
    """The admin, one supervisor and the operators; a few operators are unavailable."""
    admin_name, admin_email = names.ADMIN
    sup_name, sup_email, sup_skills = names.SUPERVISOR
    ops = [
        DemoOperator(admin_name, admin_email, "admin", [], 0, False, mobile_phone(rng)),
        DemoOperator(
            sup_name, sup_email, "supervisor", list(sup_skills), 15, True, mobile_phone(rng)
        ),
    ]
    unavailable = set(rng.sample(range(len(names.OPERATORS)), 2))
    for i, (full_name, skills) in enumerate(names.OPERATORS):
        parts = full_name.split()
        # First given name and first surname (names have 1-2 given names and 2 surnames).
        email = f"{ascii_slug(parts[0])}.{ascii_slug(parts[-2])}@demo.uanl.mx"
        ops.append(
            DemoOperator(
                name=full_name,
                email=email,
                role="operator",
                skills=list(skills),
                max_open_tickets=rng.randint(8, 15),
                is_available=i not in unavailable,
                phone=mobile_phone(rng),
                is_senior=len(skills) >= 3,  # the generalists take escalations
            )
        )
    return ops


def company_rfc(rng: random.Random, company_words: list[str], taken: set[str]) -> str:
    """A valid RFC for a moral person: 3 letters, YYMMDD, 2-char homoclave, check digit."""
    words = [ascii_slug(w).upper() for w in company_words]
    words = [w for w in words if w and w not in names.RFC_SKIP_WORDS]
    if len(words) >= 3:
        letters = words[0][0] + words[1][0] + words[2][0]
    elif len(words) == 2:
        letters = words[0][0] + words[1][:2]
    else:
        letters = (words[0] + "XXX")[:3]
    while True:
        founded = date(1978, 1, 1) + timedelta(days=rng.randrange(42 * 365))
        homoclave = rng.choice(HOMOCLAVE_CHARS) + rng.choice(HOMOCLAVE_CHARS)
        body = f"{letters}{founded:%y%m%d}{homoclave}"
        rfc = normalise_rfc(body + rfc_check_digit(body))
        if rfc not in taken:
            taken.add(rfc)
            return rfc


def _address(rng: random.Random) -> tuple[str, str]:
    """A street address in Monterrey, CDMX or Guadalajara, and the city's area code."""
    city, state, area, colonias, streets = rng.choices(names.CITIES, weights=(60, 25, 15))[0]
    colonia, cp_low, cp_high = rng.choice(colonias)
    number = rng.randint(100, 4999)
    cp = rng.randint(cp_low, cp_high)
    suite = f" Int. {rng.randint(1, 30)}" if rng.random() < 0.3 else ""
    street = rng.choice(streets)
    return f"{street} {number}{suite}, Col. {colonia}, C.P. {cp:05d}, {city}, {state}", area


def build_clients(rng: random.Random, count: int = 40) -> list[DemoClient]:
    combos = [(k, c) for k in names.COMPANY_KINDS for c in names.COMPANY_CORES]
    taken: set[str] = set()
    clients: list[DemoClient] = []
    for kind, core in rng.sample(combos, count):
        if kind in CIVIL_KINDS and rng.random() < 0.6:
            legal = "S.C."
        else:
            forms = [f for f in names.LEGAL_FORMS if f[0] != "S.C."]
            legal = rng.choices([f[0] for f in forms], weights=[f[1] for f in forms])[0]
        company = f"{kind} {core}"
        address, area = _address(rng)
        contact = person_name(rng)
        first, surname = contact.split()[0], contact.split()[-2]
        domain = f"{ascii_slug(company)}.com.mx"
        tier = rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
        clients.append(
            DemoClient(
                name=f"{company}, {legal}",
                rfc=company_rfc(rng, company.split(), taken),
                contact_name=contact,
                email=f"{ascii_slug(first)}.{ascii_slug(surname)}@{domain}",
                phone=f"+52{area}{rng.randrange(10**7, 10**8)}",
                address=address,
                tier=tier,
                language="en" if rng.random() < 0.05 else "es",
                notes="Póliza de soporte 24/7 con visitas en sitio."
                if tier == "enterprise"
                else None,
                domain=domain,
                weight=TIER_ACTIVITY[tier] * rng.uniform(0.6, 1.4),
            )
        )
    return clients
