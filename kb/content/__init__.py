"""The content model: articles read from Markdown with front matter, rendered, sanitized and compiled into
pages. Pure: no Flask."""

from __future__ import annotations
