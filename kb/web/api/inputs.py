"""Reading and bounding what a JSON API request sends: the one place each limit and check lives.

Every endpoint under ``/api/`` and ``/integrations/`` reads its body and parameters through these, so a bad
request always gets the same 4xx JSON error (see :class:`kb.errors.APIError`) saying what is wrong.
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import gettext

from kb.config import setting
from kb.errors import APIError
from kb.query.suggest import MAX_URL, customer_url
from kb.web.requests import parse_json
from search.fulltext import MAX_QUERY_CHARS
from suggest.engine import MAX_TEXT
from suggest.reading import CUSTOMER, ROLES, Message

MAX_SUGGEST_LIMIT = int(setting("SUGGEST_LIMIT").high or 0)
MAX_MESSAGES = 100  # the turns of one conversation a request may send (the engine reads the latest 50)
__all__ = ["MAX_MESSAGES", "MAX_QUERY_CHARS", "MAX_SUGGEST_LIMIT", "MAX_TEXT", "MAX_URL", "ROLES"]


def check_body_size(read: bytes | None = None) -> None:
    """413 when the declared length is over the limit, or when a chunked body (no length declared) that was
    ``read`` filled it: the server stops reading there, so what came is only the start of something larger."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    declared = request.content_length
    if (declared is not None and declared > limit) or (declared is None and read is not None and len(read) >= limit):
        raise APIError(
            gettext("the request body is larger than %(size)s kB", size=limit // 1024),
            status=413,
            code="request_entity_too_large",
        )


def json_body() -> dict:
    """The request's JSON object (Content-Type: application/json)."""
    if not request.is_json:
        raise APIError(
            gettext("send a JSON object with Content-Type: application/json"), status=415, code="unsupported_media_type"
        )
    body = _parsed_body()
    if not isinstance(body, dict):
        raise APIError(
            gettext("the JSON body must be an object, got %(got)s", got=json_type(body)), code="invalid_json"
        )
    return body


def beacon_body():
    """JSON sent by ``navigator.sendBeacon``, which posts text/plain (so the browser sends no preflight)."""
    if request.mimetype not in ("application/json", "text/plain"):
        message = gettext("send JSON as application/json or text/plain")
        raise APIError(message, status=415, code="unsupported_media_type")
    return _parsed_body()


def _parsed_body():
    """The body as cleaned JSON. Reading it raises 413 past the size limit, chunked bodies included."""
    check_body_size()
    raw = request.get_data(cache=True)
    check_body_size(raw)
    try:
        return parse_json(raw or b"null")
    except ValueError as e:
        raise APIError(gettext("the request body is not valid JSON (%(why)s)", why=e), code="invalid_json") from None


def field(body: dict, name: str, kind: type, *, default=None):
    """``body[name]`` checked to be of ``kind`` (``null`` counts as absent)."""
    value = body.get(name)
    if value is None:
        return default
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        expected = {str: gettext("a string"), int: gettext("a whole number"), list: gettext("a list")}.get(kind)
        expected = expected or gettext("true or false")
        message = gettext(
            "`%(name)s` must be %(expected)s, got %(got)s", name=name, expected=expected, got=json_type(value)
        )
        raise APIError(message, code="invalid_field")
    return value


def json_type(value) -> str:
    number = gettext("a number")
    kinds = {bool: gettext("a boolean"), int: number, float: number, str: gettext("a string"), list: gettext("a list")}
    return kinds.get(type(value)) or (gettext("an object") if isinstance(value, dict) else type(value).__name__)


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """The query-string parameter ``name`` as a whole number from ``low`` to ``high``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        message = gettext(
            "`%(name)s` must be a whole number from %(low)s to %(high)s, got %(got)s",
            name=name,
            low=low,
            high=high,
            got=repr(raw),
        )
        raise APIError(message, code="invalid_parameter") from None
    if not low <= value <= high:
        message = gettext(
            "`%(name)s` must be from %(low)s to %(high)s, got %(got)s", name=name, low=low, high=high, got=value
        )
        raise APIError(message, code="invalid_parameter")
    return value


def query_arg(name: str = "q") -> str:
    """The words to search for, required and at most ``MAX_QUERY_CHARS`` long."""
    text = request.args.get(name, "").strip()
    if not text:
        raise APIError(gettext("`%(name)s` is required: the words to search for", name=name), code="missing_parameter")
    if len(text) > MAX_QUERY_CHARS:
        message = gettext(
            "`%(name)s` is too long (%(chars)s characters; at most %(most)s)",
            name=name,
            chars=len(text),
            most=MAX_QUERY_CHARS,
        )
        raise APIError(message, code="query_too_long")
    return text


def check_text(text: str, what: str = "`text`") -> None:
    check_length(len(text), gettext("%(field)s is", field=what))


def check_length(chars: int, what: str) -> None:
    """413 when ``chars`` characters of what a customer wrote are more than the engine reads (``MAX_TEXT``)."""
    if chars > MAX_TEXT:
        message = gettext(
            "%(what)s too long (%(chars)s characters; at most %(most)s)", what=what, chars=chars, most=MAX_TEXT
        )
        raise APIError(message, status=413, code="text_too_long")


def read_messages(body: dict) -> list[Message] | None:
    """``body["messages"]``, a conversation oldest turn first, checked; None when it is absent.

    Each message is ``{"role": "customer" | "agent", "text": "..."}``; there are at most ``MAX_MESSAGES`` and
    their texts together are at most ``MAX_TEXT`` characters (413 past that, as for ``text``). Each error names
    the message it is about (``messages[3].role``)."""
    raw = field(body, "messages", list)
    if raw is None:
        return None
    if len(raw) > MAX_MESSAGES:
        message = gettext("`messages` must be at most %(most)s messages, got %(got)s", most=MAX_MESSAGES, got=len(raw))
        raise APIError(message, code="invalid_field")
    messages = [_message(item, f"messages[{i}]") for i, item in enumerate(raw)]
    check_length(sum(len(m.text) for m in messages), gettext("`messages` are"))
    return messages


def with_opening(subject: str, body: str, messages: list[Message]) -> list[Message]:
    """``messages`` after a ticket's ``subject`` and ``body``, when it has them, as the customer's opening turn:
    the engine reads a conversation from its turns alone."""
    opening = "\n".join(part for part in (subject.strip(), body.strip()) if part)
    return [Message(CUSTOMER, opening), *messages] if opening else list(messages)


def has_text(messages: list[Message] | None) -> bool:
    return any(m.text.strip() for m in messages or ())


def _message(item, name: str) -> Message:
    if not isinstance(item, dict):
        message = gettext(
            "`%(name)s` must be an object with a `role` and a `text`, got %(got)s", name=name, got=json_type(item)
        )
        raise APIError(message, code="invalid_field")
    role, text = item.get("role"), item.get("text")
    if role not in ROLES:
        allowed = gettext(" or ").join(f'"{r}"' for r in ROLES)
        message = gettext(
            "`%(name)s.role` must be %(allowed)s, got %(got)s", name=name, allowed=allowed, got=_shown(role)
        )
        raise APIError(message, code="invalid_field")
    if not isinstance(text, str):
        message = gettext("`%(name)s.text` must be a string, got %(got)s", name=name, got=_shown(text))
        raise APIError(message, code="invalid_field")
    return Message(role, text)


def check_url(url: str | None) -> str | None:
    """A customer's page address, checked (http or https only), or None when none was given."""
    if url is None or not url.strip():
        return None
    try:
        return customer_url(url)
    except ValueError as e:
        raise APIError(f"`url` {e}", code="invalid_field") from None


def check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= MAX_SUGGEST_LIMIT:
        message = gettext("`limit` must be from 1 to %(most)s, got %(got)s", most=MAX_SUGGEST_LIMIT, got=limit)
        raise APIError(message, code="invalid_field")


def _shown(value) -> str:
    """A wrong value as an error message quotes it: a string as JSON (its start), anything else by its type."""
    if value is None:
        return gettext("nothing")
    return json.dumps(value[:40], ensure_ascii=False) if isinstance(value, str) else json_type(value)
