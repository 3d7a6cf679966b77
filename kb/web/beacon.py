"""GET /beacon.js: the chat beacon that any site embeds with one script tag (see kb/static/beacon.js).

One tag means one classic script, so the beacon is served with the code it shares with the help-center pages
(kb/static/send.js, the analytics ``kbSend``) before it, both inside one function: nothing but the beacon's own
``window.KB`` reaches the host page's globals.

The script itself is public, so any origin may load it; what it may call is decided by the API's CORS
allowlist (``KB_BEACON_ORIGINS``). Browsers keep it for an hour and revalidate it cheaply with its ETag, which
is the combined body's.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, request

bp = Blueprint("beacon", __name__)
MAX_AGE = 3600
PARTS = ("send.js", "beacon.js")  # in kb/static/, in this order: beacon.js calls send.js's kbSend


def body(static_folder: str | Path) -> bytes:
    """The script as served: ``PARTS`` in one closure (``;`` between them, whatever their last line)."""
    parts = [(Path(static_folder) / name).read_bytes().rstrip() for name in PARTS]
    head = "/* kb chat beacon: kb/static/{} in one closure */\n(function () {{\n".format(" then ".join(PARTS))
    return head.encode() + b";\n".join(parts) + b"\n})();\n"


@bp.get("/beacon.js")
def script():
    # small, and read each time so that an upgrade needs no restart
    served = body(current_app.static_folder)
    response = Response(served, mimetype="application/javascript")
    response.set_etag(hashlib.sha256(served).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
