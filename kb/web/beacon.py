"""GET /beacon.js: the chat beacon that any site embeds with one script tag (see kb/static/beacon.js).

One tag means one classic script, so the beacon is served with the code it shares with the help-center pages
(kb/static/send.js, the analytics ``kbSend``) before it, both inside one function: nothing but the beacon's own
``window.KB`` reaches the host page's globals. Before them come the help center's locales and each one's strings
(kb/web/script_strings.py): beacon.js picks the host page's and has a ``t`` of its own, the pages' i18n.js in a
few bytes (the customer's site pays for every one).

The script itself is public, so any origin may load it; what it may call is decided by the API's CORS
allowlist (``KB_BEACON_ORIGINS``). Browsers keep it for an hour and revalidate it cheaply with its ETag, which
is the combined body's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from kb.content.locales import DEFAULT_TAG, Locale, configured
from kb.web import script_strings

bp = Blueprint("beacon", __name__)
MAX_AGE = 3600
PARTS = script_strings.BEACON_SCRIPTS  # in kb/static/, in this order: beacon.js calls send.js's kbSend


def body(static_folder: str | Path, locales: tuple[Locale, ...] = (Locale(DEFAULT_TAG),)) -> bytes:
    """The script as served: ``PARTS`` in one closure (``;`` between them, whatever their last line), after
    ``KB_LOCALES`` (the tags of ``locales``, default first) and ``KB_STRINGS`` (each one's strings, for beacon.js)."""
    parts = [(Path(static_folder) / name).read_bytes().rstrip() for name in PARTS]
    head = "/* kb chat beacon: kb/static/{} in one closure */\n(function () {{\n".format(" then ".join(PARTS))
    strings = script_strings.strings_by_tag(locales, static_folder)
    known = f"var KB_LOCALES = {_json(list(strings))};\nvar KB_STRINGS = {_json(strings)};\n"
    return (head + known).encode() + b";\n".join(parts) + b"\n})();\n"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@bp.get("/beacon.js")
def script():
    # small, and read each time so that an upgrade needs no restart
    served = body(current_app.static_folder, configured(current_app.config))
    response = Response(served, mimetype="application/javascript")
    response.set_etag(hashlib.sha256(served).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
