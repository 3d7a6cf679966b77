"""The index on disk, written down once: folder names, the build pointer, the manifest and its schema version.

::

    DATA_DIR/index/
      CURRENT               the name of the build being served (replaced atomically)
      builds/<build id>/    manifest.json, pages.json + pages.content, fulltext/, lexical/, semantic/
        locales/<locale>/   the same parts (but the manifest) for each locale after the default, e.g. pt-br/
      builds/.tmp-<id>/     a build being written (removed when it fails)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

# 2: page content in pages.content, the outlines in pages.json; 3: who may fetch each asset; 4: where each
# section's code is, and code as a full-text field of its own; 5: locales (each page's, and a part per locale)
SCHEMA_VERSION = 5
TEMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class BuildFolder:
    """The parts of one build, by name."""

    path: Path

    @property
    def manifest(self) -> Path:
        return self.path / "manifest.json"

    @property
    def pages(self) -> Path:
        return self.path / "pages.json"

    @property
    def fulltext(self) -> Path:
        return self.path / "fulltext"

    @property
    def lexical(self) -> Path:
        return self.path / "lexical"

    @property
    def semantic(self) -> Path:
        return self.path / "semantic"

    def locale(self, segment: str) -> BuildFolder:
        """The part of this build for a locale after the default (``segment``: "pt-br")."""
        return BuildFolder(self.path / "locales" / segment)


def index_root(data_dir: Path | str) -> Path:
    return Path(data_dir) / "index"


def builds_dir(root: Path) -> Path:
    return root / "builds"


def current_build_dir(root: Path) -> Path | None:
    """The folder ``index/CURRENT`` points at, or None when nothing has been built."""
    try:
        name = (root / "CURRENT").read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    path = builds_dir(root) / name
    return path if name and path.is_dir() else None


def read_manifest(build_dir: Path) -> dict:
    return json.loads(BuildFolder(build_dir).manifest.read_text("utf-8"))


def write_manifest(build_dir: Path, manifest: dict) -> None:
    BuildFolder(build_dir).manifest.write_text(json.dumps({"schema_version": SCHEMA_VERSION, **manifest}, indent=2))


def schema_problem(build_dir: Path) -> str | None:
    """Why this kb cannot serve ``build_dir`` (another kb version wrote it), or None when it can."""
    version = read_manifest(build_dir).get("schema_version")
    return None if version == SCHEMA_VERSION else f"built by another kb version (schema {version})"
