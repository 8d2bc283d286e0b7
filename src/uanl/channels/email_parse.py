"""Inbound e-mail, parsed: headers, flags, what the person wrote, attachments.

Pure: bytes in, a frozen ``ParsedEmail`` out; no database, no network, nothing executed or
rendered (HTML is reduced to text with the stdlib parser). MIME, charsets, quoted-printable,
base64 and RFC 2047/2231 are the stdlib ``email`` package's (``policy=email.policy.default``).
Stripping quoted history, signatures and disclaimers lives in ``email_text`` (its docstring
says why no reply-parsing library is used).
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Any

from uanl.channels.email_text import html_to_text, strip_reply

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

_TOKEN = re.compile(r"\[#(\d+)\]")
_MSGID = re.compile(r"<[^<>\s]+>")
_AUTO_SUBJECT = re.compile(
    r"^\s*(respuesta automática|automatic reply|réponse automatique|autoreply|auto-reply)\s*:",
    re.IGNORECASE,
)
_WINDOWS_1252 = {"iso-8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
_GENERIC_TYPES = {"application/octet-stream", "application/x-download", "binary/octet-stream"}
_OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
]


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int
    payload: bytes | None  # None when over the size cap
    too_large: bool = False


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    subject: str
    ticket_token: int | None
    from_address: str | None
    from_name: str | None
    text: str
    auto_reply: bool
    bounce: bool
    bulk: bool
    bounced_recipient: str | None
    attachments: list[Attachment] = field(default_factory=list)


def sniff_type(head: bytes, filename: str | None = None) -> str | None:
    """The real type from the first bytes, for the common kinds (None when unknown)."""
    for magic, ctype in _MAGIC:
        if head.startswith(magic):
            if ctype == "application/zip" and filename and "." in filename:
                return _OOXML.get(filename.rsplit(".", 1)[1].lower(), ctype)
            return ctype
    return None


def _header(msg: Message, name: str) -> str:
    """A header's decoded value, unfolded ("" when absent)."""
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    if raw is None:
        return ""
    if any("\udc80" <= c <= "\udcff" for c in raw):  # raw 8-bit header: UTF-8, else Latin-1
        data = raw.encode("utf-8", "surrogateescape")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        try:
            text = str(msg.get(name))
        except Exception:  # a header the policy cannot parse: keep it raw
            text = raw
    return " ".join(text.split())


def _decoded_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    return value.lower() if isinstance(value, str) else ""


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _ids(value: str) -> list[str]:
    found = _MSGID.findall(value)
    return found if found else value.split()


def _sender(msg: Message) -> tuple[str | None, str | None]:
    raw = next((v for k, v in msg.raw_items() if k.lower() == "from"), "")
    try:
        header: Any = msg["From"]
        addresses = header.addresses if header is not None else ()
        if addresses:
            name, addr = addresses[0].display_name or "", addresses[0].addr_spec
        else:
            name, addr = "", ""
    except Exception:
        name, addr = parseaddr(raw)
    if not addr or not name:  # also an old-style "addr (Comment Name)"
        pairs = getaddresses([raw])
        old_name, old_addr = pairs[0] if pairs else ("", "")
        name, addr = name or old_name, addr or old_addr
    address = addr.strip().lower()
    valid = "@" in address and address.isprintable()  # not "<>", not raw undecodable bytes
    return (address if valid else None), (name.strip() or None)


def _flags(msg: Message, subject: str, sender: str | None) -> tuple[bool, bool, bool]:
    auto_submitted = _header(msg, "Auto-Submitted").lower()
    auto = bool(
        (auto_submitted and auto_submitted != "no")
        or _header(msg, "X-Autoreply")
        or _header(msg, "X-Autorespond")
        or _header(msg, "X-Autogenerated").lower() == "reply"
        or _header(msg, "Precedence").lower() == "auto_reply"
        or (_AUTO_SUBJECT.search(subject) and msg.get("X-Auto-Response-Suppress") is not None)
    )
    local = (sender or "").split("@", 1)[0]
    bounce = bool(
        (
            msg.get_content_type() == "multipart/report"
            and _param(msg, "report-type") == "delivery-status"
        )
        or local in _BOUNCE_SENDERS
    )
    bulk = bool(
        _header(msg, "List-Id") or _header(msg, "Precedence").lower() in {"bulk", "list", "junk"}
    )
    return auto, bounce, bulk


def _bounced_recipient(msg: Message) -> str | None:
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = _subparts(part)
        if not blocks:  # left unparsed: read the fields from the text
            text = _decoded_bytes(part).decode("latin-1")
            blocks = [email.message_from_string(b) for b in text.split("\n\n")]
        for name in ("Final-Recipient", "Original-Recipient"):
            for block in blocks:
                value = block.get(name)
                if value:
                    addr = str(value).split(";", 1)[-1].strip().strip("<>").lower()
                    if addr:
                        return addr
    return None


def _decoded_text(part: Message) -> str:
    if (part.get_content_charset() or "") in _WINDOWS_1252:  # as browsers do
        raw = _decoded_bytes(part)
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    try:
        text = part.get_content() if isinstance(part, EmailMessage) else None
    except (LookupError, ValueError):  # unknown or wrong charset
        text = None
    if not isinstance(text, str):
        raw = _decoded_bytes(part)
        try:
            text = raw.decode(part.get_content_charset() or "utf-8", errors="replace")
        except LookupError:
            text = raw.decode("utf-8", errors="replace")
    if _param(part, "format") == "flowed":
        text = _unflow(text, _param(part, "delsp") == "yes")
    return text


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676: join soft-broken lines (ending in a space), undo space-stuffing."""
    out: list[str] = []
    carry = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" ") and line.rstrip() != "--":
            carry += line[:-1] if delsp else line
            continue
        out.append(carry + line)
        carry = ""
    if carry:
        out.append(carry)
    return "\n".join(out)


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment" or part.get_filename():
        return True
    return part.get_content_maintype() not in ("text", "multipart", "message")


def _parts(msg: Message) -> list[Message]:
    """Leaf parts, not descending into attached messages or delivery reports."""
    if msg.is_multipart():
        out: list[Message] = []
        for sub in _subparts(msg):
            if sub.get_content_type() in ("message/delivery-status", "text/rfc822-headers"):
                continue
            if sub.get_content_maintype() == "message":
                if sub.get_content_disposition() == "attachment" or sub.get_filename():
                    out.append(sub)
                continue
            out.extend(_parts(sub))
        return out
    return [msg]


def _attachment(part: Message, cap: int) -> Attachment:
    filename = part.get_filename()
    if filename:
        filename = re.split(r"[\\/]", filename)[-1].strip() or None
    if part.get_content_maintype() == "message":
        inner = _subparts(part)
        payload = inner[0].as_bytes() if inner else _decoded_bytes(part)
    else:
        payload = _decoded_bytes(part)
    declared = part.get_content_type()
    ctype = declared
    if declared in _GENERIC_TYPES:
        ctype = sniff_type(payload[:16], filename) or declared
    too_large = len(payload) > cap
    return Attachment(
        filename=filename,
        content_type=ctype,
        size=len(payload),
        payload=None if too_large else payload,
        too_large=too_large,
    )


def _body_and_attachments(msg: Message, cap: int) -> tuple[str, list[Attachment]]:
    leaves = _parts(msg)
    plain = [p for p in leaves if p.get_content_type() == "text/plain" and not _is_attachment(p)]
    html = [p for p in leaves if p.get_content_type() == "text/html" and not _is_attachment(p)]
    if plain:
        text = "\n\n".join(_decoded_text(p) for p in plain)
    elif html:
        text = "\n\n".join(html_to_text(_decoded_text(p)) for p in html)
    else:
        text = ""
    body_parts = {id(p) for p in plain + html}
    attachments = [
        _attachment(p, cap) for p in leaves if id(p) not in body_parts and _is_attachment(p)
    ]
    return text, attachments


def parse_email(
    raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
) -> ParsedEmail:
    """Parse one raw RFC 5322 message (as received) into a ``ParsedEmail``."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = _header(msg, "Subject")
    token = _TOKEN.search(subject)
    address, name = _sender(msg)
    auto, bounce, bulk = _flags(msg, subject, address)
    text, attachments = _body_and_attachments(msg, max_attachment_bytes)
    in_reply_to = _ids(_header(msg, "In-Reply-To"))
    message_id = _ids(_header(msg, "Message-ID"))
    return ParsedEmail(
        message_id=message_id[0] if message_id else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_ids(_header(msg, "References")),
        subject=subject,
        ticket_token=int(token.group(1)) if token else None,
        from_address=address,
        from_name=name,
        text=strip_reply(text),
        auto_reply=auto,
        bounce=bounce,
        bulk=bulk,
        bounced_recipient=_bounced_recipient(msg),
        attachments=attachments,
    )
