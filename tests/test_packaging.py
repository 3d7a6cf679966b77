"""Installations get the versions kb was tested with: every dependency is pinned in constraints.txt, which
`make setup` installs with (the Security article's "pinned dependencies")."""

from __future__ import annotations

import re
import tomllib

from tests.fixtures.app import TESTS

ROOT = TESTS.parent


def names(requirements: list) -> set[str]:
    found = set()
    for item in requirements:
        if isinstance(item, str):
            found.add(re.split(r"[\[<>=!~; ]", item, maxsplit=1)[0].lower().replace("_", "-"))
    return found


def test_every_dependency_is_pinned_in_constraints():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = names(project["project"]["dependencies"])
    for extra in project["project"]["optional-dependencies"].values():
        declared |= names(extra)
    for group in project["dependency-groups"].values():
        declared |= names(group)
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pinned[name.strip().lower().replace("_", "-")] = version.strip()
    assert declared - set(pinned) == set()
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text()
