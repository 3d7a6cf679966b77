"""The help desk: tickets, their delivery (outbox), and what agents see (inbox)."""

from __future__ import annotations
