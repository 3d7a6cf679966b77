"""What kb accepts from a request, cleaned once where it enters.

Every text a client sends (query-string and form values, JSON strings and keys) passes through
:func:`clean_text`: a lone surrogate becomes U+FFFD and NUL and the other control characters (tab, newline and
carriage return aside) are dropped, so that no database, log or e-mail can reject it later. JSON is also bounded
in depth before anything walks it recursively.
"""

from __future__ import annotations

import json
import re

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict

MAX_JSON_DEPTH = 32
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` without what storage rejects: lone surrogates become U+FFFD, other control characters go."""
    if not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else "", value)


def clean_json(value, max_depth: int = MAX_JSON_DEPTH):
    """A copy of parsed JSON with every string cleaned; ValueError when it nests deeper than ``max_depth``.

    Iterative, so that even a document nested thousands of levels deep costs no recursion."""
    root: list = [value]
    stack: list[tuple[object, object, object, int]] = [(root, 0, value, 1)]
    while stack:
        parent, key, item, depth = stack.pop()
        if isinstance(item, str):
            parent[key] = clean_text(item)  # type: ignore[index]
        elif isinstance(item, (list, dict)):
            if depth > max_depth:
                raise ValueError(f"it nests deeper than {max_depth} levels")
            if isinstance(item, list):
                copy: list | dict = list(item)
                stack += [(copy, i, child, depth + 1) for i, child in enumerate(item)]
            else:
                copy = {clean_text(k): v for k, v in item.items()}
                stack += [(copy, k, child, depth + 1) for k, child in copy.items()]
            parent[key] = copy  # type: ignore[index]
    return root[0]


def parse_json(raw: bytes | str):
    """Parse a request body as JSON (UTF-8), cleaned and bounded; ValueError says what is wrong."""
    try:
        return clean_json(json.loads(raw))
    except RecursionError:
        raise ValueError(f"it nests deeper than {MAX_JSON_DEPTH} levels") from None


class CleanMultiDict(ImmutableMultiDict):
    """Query-string and form values, cleaned as they are parsed (uploaded files pass as they are)."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        items = mapping.items(multi=True) if hasattr(mapping, "items") and hasattr(mapping, "getlist") else mapping
        if isinstance(items, dict):
            items = items.items()
        super().__init__([(_clean(k), _clean(v)) for k, v in items])


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


class KBRequest(Request):
    parameter_storage_class = CleanMultiDict


class KBJSONProvider(DefaultJSONProvider):
    """``request.get_json()`` everywhere parses through :func:`parse_json`."""

    def loads(self, s, **kwargs):
        return parse_json(s)


def init_app(app) -> None:
    app.request_class = KBRequest
    app.json = KBJSONProvider(app)
