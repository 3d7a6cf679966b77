"""kb: a self-hosted knowledge base with suggested articles.

``create_app`` wires the web app: settings, then each subsystem's ``init_app``, then every blueprint. Flask is
imported inside it, so that ``import kb.content`` (and with it ``import search``) never loads the web stack.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)


def create_app(config: dict | None = None, *, encoder_factory: Callable[[], Any] | None = None) -> Flask:
    """Build the kb web app. Wiring only: nothing here opens an index or loads a model.

    Args:
        config: settings that replace the instance config file and ``KB_*`` environment variables (tests).
        encoder_factory: makes the embedding encoder instead of loading the model, for tests and benchmarks
            (no setting can choose it: a running help center always loads ``KB_EMBEDDING_MODEL``).
    """
    from flask import Flask

    from kb.config import PROJECT_ROOT, coerce_config, defaults, stored_secret_key, validate_config
    from kb.errors import ConfigError
    from kb.state import State

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_mapping(defaults())
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("KB")
    else:
        app.config.from_mapping(config)
    coerce_config(app.config)
    app.config["DATA_DIR"] = str(Path(app.config["DATA_DIR"] or app.instance_path).resolve())
    problems = validate_config(app.config)
    if problems:
        raise ConfigError(problems)
    secret_key_kept = bool(app.config["SECRET_KEY"]) or stored_secret_key(app.config["DATA_DIR"]) is not None
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or stored_secret_key(app.config["DATA_DIR"]) or _passing_key()
    if str(app.config["BASE_URL"]).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True  # agent sessions never travel over plain http
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024

    from flask_wtf.csrf import CSRFProtect

    from kb import auth, db
    from kb.index import serving
    from kb.query import capacity
    from kb.web import errors, i18n, locales, requests, script_strings, security

    app.extensions["kb"] = State(encoder_factory=encoder_factory, secret_key_kept=secret_key_kept)
    requests.init_app(app)
    CSRFProtect(app)
    locales.init_app(app)
    i18n.init_app(app)
    script_strings.init_app(app)
    security.init_app(app)
    serving.init_app(app)
    capacity.init_app(app)
    db.init_app(app)
    auth.init_app(app)
    _register_blueprints(app)
    errors.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Every page and endpoint. The JSON API and the integrations are exempt from CSRF (no cookies, so no
    ambient authority to forge) and rate limited; agent and admin pages are signed in, sign-in is limited."""
    from kb.web import admin, agent, beacon, contact, health, help, integrations, security, site_files
    from kb.web.api import admin as admin_api
    from kb.web.api import agent as agent_api
    from kb.web.api import public

    for blueprint in (help.bp, beacon.bp, contact.bp, site_files.bp, health.bp, agent.bp, admin.bp):
        app.register_blueprint(blueprint)
    security.limit_public_pages(app)
    for blueprint in (public.bp, agent_api.bp, admin_api.bp, integrations.bp):
        security.limit_blueprint(app, blueprint)
        app.extensions["csrf"].exempt(blueprint)
        app.register_blueprint(blueprint)


def _passing_key() -> str:
    """A key for this process only, until ``kb db upgrade`` keeps one in DATA_DIR (the factory writes nothing)."""
    log.warning("KB_SECRET_KEY is not set and none is kept in the data folder yet: run `kb db upgrade`")
    return secrets.token_hex(32)
