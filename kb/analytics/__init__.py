"""What is counted (events) and what the dashboard computes from it (stats, content gaps, CSV)."""

from __future__ import annotations
