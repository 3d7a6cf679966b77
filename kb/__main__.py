"""``python -m kb``: the kb command (what ``kb serve`` runs its background index build with)."""

from __future__ import annotations

from kb.cli import main

main()
