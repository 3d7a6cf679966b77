"""kb's exception tree: every exception kb raises, in one place. Every message says what went wrong and, where it
can, how to fix it.

Plain exceptions, so that any layer may raise them without importing click or Flask: the CLI prints a
:class:`KBError` as a clean one-line error (``kb.cli``), and the web layer turns :class:`APIError` into the one
JSON error shape (``kb.web.errors``).
"""

from __future__ import annotations

from pathlib import Path


class KBError(Exception):
    """Base class of the errors a person running kb can fix; ``message`` says how."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(KBError):
    """One or more settings are wrong; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Aborted with {len(self.problems)} configuration error(s):\n{lines}")


class IndexNotBuiltError(KBError):
    """No usable index in ``index_dir``: missing, or built by an incompatible kb version."""

    def __init__(self, index_dir: Path | str, reason: str = "no index has been built yet"):
        self.index_dir = Path(index_dir)
        self.reason = reason
        super().__init__(f"Search index in {self.index_dir} is not usable ({reason}). Run `kb index` to build it.")


class ContentError(KBError):
    """The articles have errors, so the index was not switched; ``problems`` lists every one (file:line)."""

    def __init__(self, problems: list):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"Not published: the articles have {len(self.problems)} error(s); the previous index keeps serving.\n"
            f"{lines}\nFix them (see `kb check`), or publish anyway with `kb index --allow-errors`."
        )


class ModelUnavailableError(KBError):
    """The embedding model cannot be loaded; kb keeps working with full-text search alone."""


class AccountError(KBError, ValueError):
    """A bad account or token request, said so that the CLI can show it as is."""


class APIError(Exception):
    """A client error in the JSON API, rendered as ``{"error": {"code", "message"}}``."""

    def __init__(
        self, message: str, *, status: int = 400, code: str = "bad_request", headers=None, details: dict | None = None
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.headers = dict(headers or {})
        self.details = dict(details or {})  # more keys in the error object, e.g. each bad field of a ticket

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class TicketInvalid(ValueError):
    """The fields of a ticket that are wrong, each with why: ``{"email": "is not an e-mail address"}``."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"`{k}` {v}" for k, v in problems.items()))


class InboxError(ValueError):
    """A change to a ticket that cannot be made (unknown status, unknown article)."""


class EventInvalid(ValueError):
    """An analytics event a browser sent that kb does not record: what is wrong with it."""


class PeriodError(ValueError):
    """A dashboard period that cannot be used (a bad date, the wrong order, too long)."""
