"""GET /beacon.js: the chat beacon that any site embeds with one script tag (see kb/static/beacon.js).

The script itself is public, so any origin may load it; what it may call is decided by the API's CORS
allowlist (``KB_BEACON_ORIGINS``). Browsers keep it for an hour and revalidate it cheaply with its ETag.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, request

bp = Blueprint("beacon", __name__)
MAX_AGE = 3600


@bp.get("/beacon.js")
def script():
    # small, and read each time so that an upgrade needs no restart
    body = (Path(current_app.static_folder) / "beacon.js").read_bytes()
    response = Response(body, mimetype="application/javascript")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
