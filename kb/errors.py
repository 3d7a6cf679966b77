"""kb's exception tree. Every message says what went wrong and, where it can, how to fix it."""

from __future__ import annotations

from pathlib import Path

import click


class KBError(click.ClickException):
    """Base class: the CLI prints these as clean one-line errors (exit code 1)."""


class ConfigError(KBError):
    """One or more settings are wrong; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Aborted with {len(self.problems)} configuration error(s):\n{lines}")


class ArticleError(KBError):
    """An article file cannot be used: ``path``, ``line`` (1-based, or None) and ``reason``."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None):
        self.path = Path(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {reason}")


class IndexNotBuiltError(KBError):
    """No usable index in ``index_dir``: missing, or built by an incompatible kb version."""

    def __init__(self, index_dir: Path | str, reason: str = "no index has been built yet"):
        self.index_dir = Path(index_dir)
        self.reason = reason
        super().__init__(f"Search index in {self.index_dir} is not usable ({reason}). Run `kb index` to build it.")


class APIError(Exception):
    """A client error in the JSON API, rendered as ``{"error": {"code", "message"}}``."""

    def __init__(self, message: str, *, status: int = 400, code: str = "bad_request", headers=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.headers = dict(headers or {})

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}
