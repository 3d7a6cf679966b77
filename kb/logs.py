"""Logs for people (text, the default) or for log collectors (``KB_LOG_FORMAT=json``: one JSON object a line).

In JSON, gunicorn's access log becomes fields (method, path, status, duration_ms, bytes, user_agent, remote)
instead of an Apache-style line. Query strings are left out: they hold what customers typed.
"""

from __future__ import annotations

import logging
import sys

from gunicorn.glogging import Logger
from pythonjsonlogger.json import JsonFormatter

FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def json_formatter() -> logging.Formatter:
    return JsonFormatter(FIELDS, rename_fields=RENAMED, json_ensure_ascii=False)


def configure(log_format: str) -> None:
    """kb's own loggers (and any library's) to standard error, as text or JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter() if log_format == "json" else logging.Formatter(FIELDS))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)


class JsonLogger(Logger):
    """gunicorn's logger with JSON records: set as ``logger_class`` when ``KB_LOG_FORMAT=json``."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(json_formatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        self.access_log.info(
            "request",
            extra={
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "status": getattr(resp, "status_code", None),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "bytes": getattr(resp, "sent", None),
                "user_agent": environ.get("HTTP_USER_AGENT"),
                "remote": environ.get("REMOTE_ADDR"),
            },
        )
