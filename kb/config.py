"""Every kb setting, declared once with its default and help text, and the checks run at start-up.

Settings are read (in this order, later wins) from these defaults, an optional ``instance/config.py``, and
``KB_``-prefixed environment variables (``KB_SITE_NAME`` sets ``SITE_NAME``). The production article
``configuration.md`` documents each of them; a test keeps the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kb.errors import AccountError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_ARTICLES = PROJECT_ROOT / "articles"
SEARCH_MODES = ("hybrid", "fulltext", "semantic")


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("ARTICLES_DIR", str(SHIPPED_ARTICLES), "Folder of Markdown articles; sub-folders are categories."),
    Setting("DATA_DIR", "", "Where kb writes everything (index, database). Empty: the app's instance/ folder."),
    Setting("SITE_NAME", "kb Help Center", "Name shown in the header, page titles and structured data."),
    Setting("BASE_URL", "", "Public URL of the help center (canonical links, sitemap). Empty: the request's host."),
    Setting("SECRET_KEY", "", "Signs sessions and CSRF tokens. Empty: a random key per start (set one in production)."),
    Setting("LOGO_URL", "", "URL of a logo image shown in the header instead of the site name's initial."),
    Setting("ACCENT_COLOR", "#2563eb", "Accent colour of the help center, as #rgb or #rrggbb."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL of the database. Empty: SQLite file kb.sqlite3 in DATA_DIR."),
    Setting("SEMANTIC_ENABLED", True, "Use semantic (embedding) search beside full-text search."),
    Setting("EMBEDDING_MODEL", "all-MiniLM-L6-v2", "Sentence-transformers model, loaded offline from site-packages."),
    Setting("ONNX_ENABLED", True, "Embed queries with the int8 ONNX export kb index makes (no torch when serving)."),
    Setting("SEARCH_MODE", "hybrid", "Default ranking: hybrid, fulltext or semantic."),
    Setting("SUGGEST_LIMIT", 5, "Default number of suggested articles (1-20)."),
    Setting("SUGGEST_MIN_SCORE", 0.35, "Confidence threshold under which a suggestion is not shown (0-1)."),
    Setting("SEARCH_CONCURRENCY", 2, "Searches and suggestions each server process ranks at once (1-64); more wait."),
    Setting("SEARCH_QUEUE", 8, "Searches and suggestions that may wait per process (0-1000); beyond, 503 at once."),
    Setting("LOG_FORMAT", "text", "kb serve's logs: text for people, json (one object a line) for log collectors."),
    Setting("REDIS_URL", "", "Redis for rate limits shared by every worker and host; empty: in each process."),
    Setting("PROXY_HOPS", 0, "Reverse proxies in front of kb whose X-Forwarded-* headers to trust (nginx: 1)."),
    Setting("BEACON_ORIGINS", "", "Comma-separated origins allowed to call the API from a browser (the beacon)."),
    Setting(
        "RATE_LIMIT", "120/minute", "Requests per client to each API and integration, e.g. 120/minute; `off` disables."
    ),
    Setting("TICKET_WEBHOOK_URL", "", "Where new tickets are POSTed as JSON (or as a Slack message)."),
    Setting("TICKET_WEBHOOK_FORMAT", "json", "Body of the ticket webhook: json (kb's ticket) or slack."),
    Setting("SMTP_URL", "", "Mail server for tickets by e-mail: smtp://user:password@host:587 or smtps://..."),
    Setting("TICKET_EMAIL_TO", "", "Address that receives new tickets by e-mail (with KB_SMTP_URL)."),
    Setting("ANALYTICS_RETENTION_DAYS", 365, "Days analytics events are kept; 0 keeps them forever."),
    Setting("RANKING_FEEDBACK", True, "Boost articles customers click and find helpful for similar questions."),
    Setting("AGENTS", "", "Agent accounts as comma-separated email=password-hash pairs (`kb agents hash`)."),
    Setting("AGENT_TOKENS", "", "Comma-separated API tokens for the agent API and integrations (16+ characters)."),
    Setting("ADMIN_TOKEN", "", "API token for the admin API (analytics); at least 16 characters."),
    Setting("HELPSCOUT_SECRET", "", "Secret key of the Help Scout dynamic app that shows suggested articles."),
    Setting("WEBHOOK_SECRET", "", "HMAC-SHA256 secret for /integrations/webhook (besides agent tokens)."),
)

SETTING_NAMES = tuple(s.name for s in SETTINGS)
_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def defaults() -> dict:
    return {s.name: s.default for s in SETTINGS}


def coerce_config(config: dict) -> None:
    """Turn string values from the environment into the types the defaults have (in place)."""
    for setting in SETTINGS:
        value = config.get(setting.name)
        if not isinstance(value, str) or isinstance(setting.default, str):
            continue
        if isinstance(setting.default, bool):
            config[setting.name] = value.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(setting.default, (int, float)):
            try:
                config[setting.name] = type(setting.default)(value)
            except ValueError:
                pass  # reported by validate_config


def validate_config(config: dict) -> list[str]:
    """Every problem with ``config``, each naming the setting and what would be valid."""
    problems = []
    articles = Path(config["ARTICLES_DIR"])
    if not articles.is_dir():
        problems.append(f"KB_ARTICLES_DIR: {articles} is not a folder")
    if not _COLOR_RE.match(str(config["ACCENT_COLOR"])):
        problems.append(f"KB_ACCENT_COLOR: {config['ACCENT_COLOR']!r} is not a colour like #2563eb")
    if config["SEARCH_MODE"] not in SEARCH_MODES:
        problems.append(f"KB_SEARCH_MODE: {config['SEARCH_MODE']!r} is not one of {', '.join(SEARCH_MODES)}")
    if config["SEMANTIC_ENABLED"] and not str(config["EMBEDDING_MODEL"]).strip():
        problems.append("KB_EMBEDDING_MODEL is empty while KB_SEMANTIC_ENABLED is on")
    if not _is_number_in(config["SUGGEST_LIMIT"], 1, 20, integer=True):
        problems.append(f"KB_SUGGEST_LIMIT: {config['SUGGEST_LIMIT']!r} must be a whole number from 1 to 20")
    if not _is_number_in(config["SUGGEST_MIN_SCORE"], 0, 1):
        problems.append(f"KB_SUGGEST_MIN_SCORE: {config['SUGGEST_MIN_SCORE']!r} must be a number from 0 to 1")
    if config["TICKET_WEBHOOK_FORMAT"] not in ("json", "slack"):
        problems.append(f"KB_TICKET_WEBHOOK_FORMAT: {config['TICKET_WEBHOOK_FORMAT']!r} is not json or slack")
    if config["SMTP_URL"] and not str(config["SMTP_URL"]).startswith(("smtp://", "smtps://")):
        problems.append("KB_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
    if config["SMTP_URL"] and not config["TICKET_EMAIL_TO"]:
        problems.append("KB_TICKET_EMAIL_TO is empty while KB_SMTP_URL is set: who should receive the tickets?")
    if not _valid_rate_limit(str(config["RATE_LIMIT"])):
        problems.append(f"KB_RATE_LIMIT: {config['RATE_LIMIT']!r} is not like 120/minute or 10/second (or off)")
    if not _is_number_in(config["ANALYTICS_RETENTION_DAYS"], 0, 36500, integer=True):
        problems.append(
            f"KB_ANALYTICS_RETENTION_DAYS: {config['ANALYTICS_RETENTION_DAYS']!r} must be a whole number of days"
        )
    if not _is_number_in(config["SEARCH_CONCURRENCY"], 1, 64, integer=True):
        problems.append(f"KB_SEARCH_CONCURRENCY: {config['SEARCH_CONCURRENCY']!r} must be a whole number from 1 to 64")
    if not _is_number_in(config["SEARCH_QUEUE"], 0, 1000, integer=True):
        problems.append(f"KB_SEARCH_QUEUE: {config['SEARCH_QUEUE']!r} must be a whole number from 0 to 1000")
    if config["LOG_FORMAT"] not in ("text", "json"):
        problems.append(f"KB_LOG_FORMAT: {config['LOG_FORMAT']!r} is not text or json")
    if config["REDIS_URL"] and not str(config["REDIS_URL"]).startswith(("redis://", "rediss://", "unix://")):
        problems.append("KB_REDIS_URL must look like redis://127.0.0.1:6379/0 (or rediss://, unix://)")
    if not _is_number_in(config["PROXY_HOPS"], 0, 5, integer=True):
        problems.append(f"KB_PROXY_HOPS: {config['PROXY_HOPS']!r} must be a whole number from 0 to 5")
    problems += _account_problems(config)
    for origin in origins(config):
        if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
            problems.append(f"KB_BEACON_ORIGINS: {origin!r} is not an origin like https://www.example.com")
    return problems


def _account_problems(config) -> list[str]:
    problems = []
    try:
        parse_config_agents(config["AGENTS"])
    except AccountError as e:
        problems.append(f"KB_AGENTS: {e}")
    for token, role in config_tokens(config).items():
        if len(token) < MIN_TOKEN:
            name = "KB_ADMIN_TOKEN" if role == "admin" else "KB_AGENT_TOKENS"
            problems.append(f"{name}: a token is shorter than {MIN_TOKEN} characters; use `kb tokens create`")
    return problems


def origins(config) -> list[str]:
    return [o.strip().rstrip("/") for o in str(config["BEACON_ORIGINS"]).split(",") if o.strip()]


def _valid_rate_limit(value: str) -> bool:
    if value.strip().lower() == "off":
        return True
    from limits import parse_many

    try:
        return bool(parse_many(value))
    except ValueError:
        return False


def _is_number_in(value, low, high, *, integer=False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if integer and not float(value).is_integer():
        return False
    return low <= value <= high


# Accounts and tokens declared in settings (kb.auth uses the same readers)

MIN_TOKEN = 16


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise AccountError(f"{email!r} is not an e-mail address")
    return email


def parse_config_agents(value: str) -> list[tuple[str, str]]:
    """``KB_AGENTS``: comma-separated ``email=password-hash`` pairs (hashes from ``kb agents hash``)."""
    pairs = []
    for item in str(value or "").split(","):
        if not item.strip():
            continue
        email, sep, password_hash = item.strip().partition("=")
        if not sep or not password_hash.strip():
            raise AccountError(f"{item.strip()!r} is not email=password-hash")
        if not password_hash.strip().startswith(("scrypt:", "pbkdf2:")):
            raise AccountError(f"the password of {email.strip()} is not a hash from `kb agents hash`")
        pairs.append((normalize_email(email), password_hash.strip()))
    return pairs


def config_tokens(config) -> dict[str, str]:
    """Tokens declared in configuration, each with its role."""
    found = {t.strip(): "agent" for t in str(config.get("AGENT_TOKENS") or "").split(",") if t.strip()}
    admin = str(config.get("ADMIN_TOKEN") or "").strip()
    if admin:
        found[admin] = "admin"
    return found
