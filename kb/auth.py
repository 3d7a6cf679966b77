"""Who may see agent and admin pages: agent accounts (signed-in sessions) and API tokens (integrations).

Accounts live in the database, added with ``kb agents add`` or declared in ``KB_AGENTS``; passwords are
hashed with Werkzeug (scrypt). API tokens are random strings shown once; only their SHA-256 is stored.
``KB_AGENT_TOKENS`` and ``KB_ADMIN_TOKEN`` declare tokens in configuration instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user
from werkzeug.security import check_password_hash, generate_password_hash

from kb.config import config_tokens, normalize_email, parse_config_agents
from kb.db import agents, api_tokens, get_engine
from kb.errors import AccountError, APIError

ROLES = ("agent", "admin")
MIN_PASSWORD = 10
LAST_USED_EVERY = dt.timedelta(minutes=5)
# Checked when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("kb-dummy-password")


@dataclass
class Agent(UserMixin):
    id: int
    email: str
    name: str
    role: str
    password_hash: str
    session_version: int = 0

    def get_id(self) -> str:
        # Checked against the database on every request: signing out (which raises the version), a changed
        # password or a removed account ends every session, a copied cookie included.
        return f"{self.id}.{self.session_version}.{self.password_hash[-16:]}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return self.name or self.email


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short (at least {MIN_PASSWORD} characters)")


def _agent(row) -> Agent:
    return Agent(row.id, row.email, row.name, row.role, row.password_hash, row.session_version)


def add_agent(
    email: str, password: str, *, name: str = "", role: str = "agent", source: str = "cli", engine=None
) -> Agent:
    """Create the account, or update its password, name and role when the e-mail already has one."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    return _upsert(normalize_email(email), hash_password(password), name, role, source, engine or get_engine())


def _upsert(email: str, password_hash: str, name: str, role: str, source: str, engine) -> Agent:
    values = {"name": name, "password_hash": password_hash, "role": role, "source": source}
    with engine.begin() as conn:
        updated = conn.execute(agents.update().where(agents.c.email == email).values(**values)).rowcount
        if not updated:
            conn.execute(agents.insert().values(email=email, created_at=dt.datetime.now(dt.UTC), **values))
        row = conn.execute(sa.select(agents).where(agents.c.email == email)).first()
    return _agent(row)


def remove_agent(email: str, engine=None) -> bool:
    with (engine or get_engine()).begin() as conn:
        return bool(conn.execute(agents.delete().where(agents.c.email == normalize_email(email))).rowcount)


def list_agents(engine=None) -> list[dict]:
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(sa.select(agents).order_by(agents.c.email)).mappings().all()
    return [{k: v for k, v in row.items() if k != "password_hash"} for row in rows]


def load_agent(session_id: str) -> Agent | None:
    agent_id, _, rest = session_id.partition(".")
    version, _, tail = rest.partition(".")
    if not agent_id.isdigit() or not version.isdigit():
        return None
    with get_engine().connect() as conn:
        row = conn.execute(sa.select(agents).where(agents.c.id == int(agent_id))).first()
    if row is None or row.session_version != int(version):
        return None
    return _agent(row) if hmac.compare_digest(row.password_hash[-16:], tail) else None


def end_sessions(agent_id: int, engine=None) -> None:
    """End every session of this agent, here and on every other host (sign-out)."""
    with (engine or get_engine()).begin() as conn:
        conn.execute(
            agents.update().where(agents.c.id == agent_id).values(session_version=agents.c.session_version + 1)
        )


def authenticate(email: str, password: str) -> Agent | None:
    """The agent with this e-mail and password, or None (in about the same time either way)."""
    try:
        email = normalize_email(email)
    except AccountError:
        email = ""
    with get_engine().connect() as conn:
        row = conn.execute(sa.select(agents).where(agents.c.email == email)).first() if email else None
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(row.password_hash, password):
        return None
    with get_engine().begin() as conn:
        conn.execute(agents.update().where(agents.c.id == row.id).values(last_sign_in_at=dt.datetime.now(dt.UTC)))
    return _agent(row)


def sync_config_agents(config, engine) -> None:
    """Make the accounts in ``KB_AGENTS`` exist with their hashes; drop config accounts no longer listed."""
    declared = parse_config_agents(config.get("AGENTS", ""))
    for email, password_hash in declared:
        _upsert(email, password_hash, "", "agent", "config", engine)
    emails = [email for email, _ in declared]
    with engine.begin() as conn:
        conn.execute(agents.delete().where(agents.c.source == "config", agents.c.email.not_in(emails)))


# API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(name: str, role: str = "agent", engine=None) -> str:
    """A new token (``kb_`` and 43 random characters); only its hash is kept, so show it now."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("give the token a name of 1 to 100 characters (who or what uses it)")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    token = "kb_" + secrets.token_urlsafe(32)
    with (engine or get_engine()).begin() as conn:
        if conn.execute(sa.select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
            raise AccountError(f"a token called {name!r} exists; revoke it first or choose another name")
        conn.execute(
            api_tokens.insert().values(
                name=name, token_hash=_digest(token), role=role, created_at=dt.datetime.now(dt.UTC)
            )
        )
    return token


def revoke_token(name: str, engine=None) -> bool:
    with (engine or get_engine()).begin() as conn:
        return bool(conn.execute(api_tokens.delete().where(api_tokens.c.name == name.strip())).rowcount)


def list_tokens(engine=None) -> list[dict]:
    with (engine or get_engine()).connect() as conn:
        rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.name)).mappings().all()
    return [{k: v for k, v in row.items() if k != "token_hash"} for row in rows]


def token_role(token: str) -> str | None:
    """The role a bearer token grants, or None when it is not a valid token."""
    for known, role in config_tokens(current_app.config).items():
        if hmac.compare_digest(known.encode(), token.encode()):
            return role
    with get_engine().connect() as conn:
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == _digest(token))).first()
    if row is None:
        return None
    now = dt.datetime.now(dt.UTC)
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
        # Enough to see unused tokens, without a database write on every request an integration makes.
        with get_engine().begin() as conn:
            conn.execute(api_tokens.update().where(api_tokens.c.id == row.id).values(last_used_at=now))
    return row.role


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_token(role: str = "agent") -> str:
    """The caller's role from its bearer token; a 401/403 JSON error otherwise. Never lets data through."""
    token = bearer_token()
    challenge = {"WWW-Authenticate": 'Bearer realm="kb"'}
    if token is None:
        raise APIError(
            "this endpoint needs an API token: send `Authorization: Bearer <token>`",
            status=401,
            code="unauthorized",
            headers=challenge,
        )
    granted = token_role(token) if len(token) <= 200 else None
    if granted is None:
        raise APIError("the API token is not valid", status=401, code="invalid_token", headers=challenge)
    if role == "admin" and granted != "admin":
        raise APIError("this endpoint needs an admin token", status=403, code="forbidden")
    g.token_role = granted
    return granted


def token_required(role: str = "agent"):
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            require_token(role)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def agent_required(view=None, *, role: str = "agent"):
    """Signed-in agents only (admins with ``role="admin"``); others go to the sign-in page."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("agent.sign_in", next=request.full_path.rstrip("?")))
            if role == "admin" and not current_user.is_admin:
                abort(403, description="This page is for kb administrators.")
            return view(*args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


def is_agent() -> bool:
    return bool(current_user and current_user.is_authenticated)


def safe_next(target: str | None, default: str) -> str:
    r"""``target`` when it is a path on this site, else ``default``: the one check for every ``next=``.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so ``/\t/evil.example`` or
    ``/\\evil.example`` would leave the site: a target with any control character, whitespace or backslash is
    refused, as is anything with a scheme or a host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


def init_app(app) -> None:
    manager = LoginManager(app)
    manager.login_view = "agent.sign_in"
    manager.login_message = "Please sign in to see this page."
    manager.login_message_category = "agent"
    manager.user_loader(load_agent)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:  # Flask's default is None: sent on cross-site requests
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.context_processor(lambda: {"is_agent": is_agent()})
