"""Protection of the public API: a CORS allowlist for the beacon and per-client rate limits."""

from __future__ import annotations

from flask import current_app
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from kb.config import origins

PUBLIC_API = r"/api/v1/(search|suggest|tickets|events|articles/.*)"


def init_app(app) -> None:
    allowed = origins(app.config)
    if allowed:
        CORS(
            app,
            resources={PUBLIC_API: {"origins": allowed}},
            methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            expose_headers=["Retry-After"],  # the beacon waits as told when kb is busy
            max_age=600,
        )
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["REDIS_URL"] or "memory://",
        # With Redis down, serve rather than refuse everyone; each process falls back to its own counts.
        in_memory_fallback_enabled=bool(app.config["REDIS_URL"]),
        in_memory_fallback=[],
        headers_enabled=True,
        default_limits=[],
    )
    app.extensions.setdefault("kb", {})["limiter"] = limiter


def _rate() -> str:
    return "1000/second" if _off() else str(current_app.config["RATE_LIMIT"])  # never applied when off


def _off() -> bool:
    return str(current_app.config["RATE_LIMIT"]).strip().lower() == "off"


def limit_blueprint(app, blueprint) -> None:
    limiter: Limiter = app.extensions["kb"]["limiter"]
    limiter.limit(_rate, exempt_when=_off)(blueprint)


SIGN_IN_RATE = "10/minute"


def limit_sign_in(app, endpoint: str) -> None:
    """Password guessing: a few sign-in attempts per client per minute (off only when RATE_LIMIT is off)."""
    limiter: Limiter = app.extensions["kb"]["limiter"]
    app.view_functions[endpoint] = limiter.limit(SIGN_IN_RATE, exempt_when=_off)(app.view_functions[endpoint])
