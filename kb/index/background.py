"""Serve first, embed after: the semantic half of the index, built by a process of its own while the server
answers in full-text mode, and the progress it reports to the server's health checks.

A fresh install has no index. ``kb serve`` then builds the full-text index (seconds for hundreds of articles),
starts serving on it, and runs ``kb index --status-file`` beside itself: that process loads the model, exports
the int8 query model when there is none yet, embeds the sections and switches the new build in atomically.
Workers open the new build on their next request, and semantic search is live, without a restart.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from kb.index.layout import BuildFolder, current_build_dir, index_root
from search import semantic

log = logging.getLogger(__name__)
STATUS_FILE = "semantic-build.json"
BUILDING = ("starting", "loading the model", "exporting the query model", "embedding")  # states while under way
STALE_AFTER = 600  # seconds without news after which a build under way is taken for dead


def status_path(data_dir: Path | str) -> Path:
    return index_root(data_dir) / STATUS_FILE


def read_status(data_dir: Path | str) -> dict | None:
    """What the last background build reported, or None when there is none (or it cannot be read)."""
    try:
        status = json.loads(status_path(data_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


def building(data_dir: Path | str) -> dict | None:
    """The background build's status while it is under way (and alive), else None."""
    status = read_status(data_dir)
    if not status or status.get("state") not in BUILDING:
        return None
    if time.time() - float(status.get("updated", 0)) > STALE_AFTER:
        return None
    return status


class StatusWriter:
    """Writes a build's progress to its status file, replaced atomically so that readers never see half of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.status: dict = {"state": "starting", "done": 0, "total": None, "pid": os.getpid()}

    def update(self, state: str | None = None, **fields) -> None:
        if state is not None:
            self.status["state"] = state
        self.status.update(fields, updated=time.time())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.status), "utf-8")
        os.replace(temporary, self.path)

    def advance(self, count: int) -> None:
        self.update(done=self.status["done"] + count)


def needs_semantic(config) -> bool:
    """Whether the current build lacks the semantic index this configuration asks for (and can make)."""
    if not config["SEMANTIC_ENABLED"] or not semantic.is_available():
        return False
    build_dir = current_build_dir(index_root(config["DATA_DIR"]))
    if build_dir is None:
        return False
    if not semantic.exists(BuildFolder(build_dir).semantic):
        return True
    from kb.content.locales import configured
    from kb.index.serving import model_for
    from search import multilingual

    others = configured(config)[1:]  # a locale embedded with a model that is not installed stays full-text
    return any(
        not semantic.exists(BuildFolder(build_dir).locale(locale.segment).semantic)
        and (
            model_for(config, locale) == semantic.DEFAULT_MODEL or multilingual.is_available(model_for(config, locale))
        )
        for locale in others
    )


def start(config) -> subprocess.Popen:
    """Run ``kb index --status-file`` for this configuration's folders, beside the server; it is stopped when
    the server stops (a build cut short leaves the serving one untouched)."""
    path = status_path(config["DATA_DIR"])
    StatusWriter(path).update("starting")
    env = {**os.environ, "KB_DATA_DIR": str(config["DATA_DIR"]), "KB_ARTICLES_DIR": str(config["ARTICLES_DIR"])}
    command = [sys.executable, "-m", "kb", "index", "--status-file", str(path)]
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
    atexit.register(_stop, process)
    log.info("building the semantic index in the background (pid %s); serving full-text search meanwhile", process.pid)
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
