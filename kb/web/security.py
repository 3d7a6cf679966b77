"""What protects every response and the public API: security headers (a Content-Security-Policy that allows
only what kb's pages use), a CORS allowlist for the beacon, trusted proxies, and per-client rate limits."""

from __future__ import annotations

from flask import current_app
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from kb.config import origins
from kb.state import state_of
from kb.web import rate_store

# kb's pages load their scripts, styles and fonts from kb itself and call only kb's API. Images may come
# from elsewhere over https (a logo given by URL). No page is meant to be framed by another site.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _add_headers(app) -> None:
    https = str(app.config["BASE_URL"]).startswith("https://")

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", CSP)  # /assets SVGs set a stricter one
        if https:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


PUBLIC_API = r"/api/v1/(search|suggest|tickets|events|articles/.*)"


def init_app(app) -> None:
    _add_headers(app)
    _allow_beacon_origins(app)
    _trust_proxies(app)
    _add_rate_limiter(app)


def _allow_beacon_origins(app) -> None:
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


def _trust_proxies(app) -> None:
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)


def _add_rate_limiter(app) -> None:
    limiter = Limiter(
        get_remote_address,
        app=app,
        # Counted by every worker and host together: in Redis, or in a file every worker of this host shares.
        storage_uri=app.config["REDIS_URL"] or rate_store.storage_uri(app.config["DATA_DIR"]),
        # With the store unreachable, serve rather than refuse everyone; each process falls back to its own counts.
        in_memory_fallback_enabled=True,
        in_memory_fallback=[],
        headers_enabled=True,
        default_limits=[],
    )
    state_of(app).limiter = limiter


def _rate() -> str:
    return "1000/second" if _off() else str(current_app.config["RATE_LIMIT"])  # never applied when off


def _off() -> bool:
    return str(current_app.config["RATE_LIMIT"]).strip().lower() == "off"


def limit_blueprint(app, blueprint) -> None:
    limiter: Limiter = state_of(app).limiter
    limiter.limit(_rate, exempt_when=_off)(blueprint)


SIGN_IN_RATE = "10/minute"  # password guessing
FORM_RATE = "10/minute"  # a person sends a form or a vote a few times a minute at most; a script, hundreds


def limit_view(app, endpoint: str, rate=_rate) -> None:
    """Limit one page or form per client (off only when RATE_LIMIT is off): ``rate`` is a limit string, or
    by default KB_RATE_LIMIT, the API's."""
    limiter: Limiter = state_of(app).limiter
    app.view_functions[endpoint] = limiter.limit(rate, exempt_when=_off)(app.view_functions[endpoint])


def limit_public_pages(app) -> None:
    """Every public page or form that writes or searches, besides the API."""
    limit_view(app, "agent.sign_in_post", SIGN_IN_RATE)
    limit_view(app, "contact.submit", FORM_RATE)
    limit_view(app, "help.feedback", FORM_RATE)
    limit_view(app, "help.search")
