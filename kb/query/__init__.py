"""The web layer's entry to search and suggestions: limits, capacity, ranking boosts and presenters."""

from __future__ import annotations
