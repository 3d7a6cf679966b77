"""The index on disk: its layout, the build that writes it, and the serving side that opens and reloads it."""

from __future__ import annotations
