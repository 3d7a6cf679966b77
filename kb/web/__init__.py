"""The web face: help-center pages, contact form, agent and admin pages, beacon, site files, security."""

from __future__ import annotations
