"""The three request shapes Watson sends, read into one `Inbound`, and answered in kind.

- ``simple``: an Orchestrate OpenAPI tool, ``{text, session_id?, user?, client_id?, locale?}``
- ``assistant``: a Watson Assistant pre/post-message webhook, ``{event, payload}``
- ``chat``: an OpenAI-style chat body, ``{messages: [...]}`` (Orchestrate external agents)

Each may name the message it carries (``message_id``; ``payload.message_id``; the last user
message's ``id``): a redelivery of that message is then recognised without a session or an
`Idempotency-Key` (see `conversation.delivery_key`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from uanl.api.idempotency import request_fingerprint
from uanl.core.errors import ValidationFailed

MAX_TEXT = 4000
MODEL_NAME = "uanl-service-desk"


@dataclass
class Inbound:
    shape: str
    channel: str
    text: str
    session_id: str
    user_id: str | None = None
    stream: bool = False  # chat: the caller asked for Server-Sent Events (`"stream": true`)
    user_name: str | None = None
    user_email: str | None = None
    client_id: int | None = None
    locale: str | None = None
    message_id: str | None = None  # the caller's id for this message, when it sends one
    fingerprint: str = ""  # of the whole JSON body: a reused key with another body is refused


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any, limit: int = 254) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def _client_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("client_id", "must be an integer") from exc
    if number < 1:
        raise ValidationFailed("client_id", "must be >= 1")
    return number


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(field, "required: the user's message text")
    return value.strip()[:MAX_TEXT]


def _fallback_session(*parts: str | None) -> str:
    seed = "|".join(p or "" for p in parts)
    if not seed.strip("|"):
        return "anon-" + uuid.uuid4().hex[:16]
    return "user-" + hashlib.sha256(seed.encode()).hexdigest()[:16]


def parse(body: bytes, headers: dict[str, str]) -> Inbound:
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("body", "must be a JSON object") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("body", "must be a JSON object")
    if isinstance(data.get("payload"), dict):
        inbound = _assistant(data["payload"])
    elif isinstance(data.get("messages"), list):
        inbound = _chat(data, headers)
    else:
        inbound = _simple(data)
    inbound.fingerprint = request_fingerprint(data)
    return inbound


def _simple(data: dict[str, Any]) -> Inbound:
    user = _dict(data.get("user"))
    text = _text(data.get("text"), "text")
    uid, email = _str(user.get("id"), 120), _str(user.get("email"))
    session = _str(data.get("session_id"), 120) or _fallback_session(uid, email)
    return Inbound(
        shape="simple",
        channel="orchestrate",
        text=text,
        session_id=session,
        user_id=uid,
        user_name=_str(user.get("name"), 120),
        user_email=email,
        client_id=_client_id(data.get("client_id")),
        locale=_str(data.get("locale"), 10),
        message_id=_str(data.get("message_id"), 500),
    )


def _assistant(payload: dict[str, Any]) -> Inbound:
    input_ = _dict(payload.get("input"))
    context = _dict(payload.get("context"))
    glob = _dict(context.get("global"))
    system = _dict(glob.get("system"))
    text = _text(input_.get("text"), "payload.input.text")
    uid = _str(payload.get("user_id") or system.get("user_id"), 120)
    session = _str(glob.get("session_id"), 120) or _fallback_session(uid)
    return Inbound(
        shape="assistant",
        channel="assistant",
        text=text,
        session_id=session,
        user_id=uid,
        locale=_str(system.get("locale"), 10),
        message_id=_str(payload.get("message_id"), 500),
    )


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return " ".join(p for p in parts if isinstance(p, str))
    return ""


def _chat(data: dict[str, Any], headers: dict[str, str]) -> Inbound:
    users = [m for m in data["messages"] if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise ValidationFailed("messages", "needs at least one message with role 'user'")
    text = _text(_content(users[-1]), "messages")
    uid = _str(data.get("user"), 120)
    thread = _str(headers.get("x-thread-id"), 120)
    return Inbound(
        shape="chat",
        channel="orchestrate-agent",
        text=text,
        session_id=thread or _fallback_session(uid, _content(users[0])),
        user_id=uid,
        stream=data.get("stream") is True,
        message_id=_str(users[-1].get("id"), 500),
    )


def render(inbound: Inbound, body: bytes, reply: str, data: dict[str, Any]) -> dict[str, Any]:
    """The answer in the shape the caller sent."""
    if inbound.shape == "assistant":
        return _render_assistant(json.loads(body), reply, data)
    if inbound.shape == "chat":
        return {
            "id": "chatcmpl-" + uuid.uuid4().hex[:24],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": MODEL_NAME,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply},
                    "finish_reason": "stop",
                }
            ],
            "uanl": data,
        }
    return {"reply": reply, **data}


def _chunk(ident: str, created: int, delta: dict[str, Any], finish: str | None) -> bytes:
    event = {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_NAME,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n"


def render_stream(reply: str, data: dict[str, Any], words_per_chunk: int = 6) -> list[bytes]:
    """A chat answer as OpenAI-style `chat.completion.chunk` events, then `[DONE]`.

    The action has already run and been committed when this is sent: streaming only shapes
    the answer (role first, the text a few words at a time, the finish with our `uanl`
    data), so a client that drops the stream half-way has not lost or repeated an action.
    """
    ident = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())
    events = [_chunk(ident, created, {"role": "assistant", "content": ""}, None)]
    words = reply.split(" ")
    for i in range(0, len(words), words_per_chunk):
        piece = " ".join(words[i : i + words_per_chunk])
        if i + words_per_chunk < len(words):
            piece += " "
        events.append(_chunk(ident, created, {"content": piece}, None))
    last = json.loads(_chunk(ident, created, {}, "stop")[6:])
    last["uanl"] = data
    events.append(b"data: " + json.dumps(last, ensure_ascii=False).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


def _render_assistant(original: dict[str, Any], reply: str, data: dict[str, Any]) -> dict[str, Any]:
    payload = copy.deepcopy(original.get("payload") or {})
    output = payload.setdefault("output", {})
    if not isinstance(output, dict):
        output = payload["output"] = {}
    generic = output.get("generic")
    generic = generic if isinstance(generic, list) else []
    generic.append({"response_type": "text", "text": reply})
    output["generic"] = generic
    context = payload.setdefault("context", {})
    skills = context.setdefault("skills", {})
    main = skills.setdefault("main skill", {})
    user_defined = main.setdefault("user_defined", {})
    user_defined["uanl"] = data
    return {"payload": payload}
