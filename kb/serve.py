"""Running the server: gunicorn in production, Flask's server with an article watcher in development."""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import os
import sys
import threading
from pathlib import Path

import click

from kb import logs
from kb.content.locales import configured
from kb.errors import ContentError
from kb.index import background
from kb.index.build import build_index
from kb.index.layout import current_build_dir, index_root, schema_problem
from kb.index.serving import document_encoders, encoder_holder, export_after_build
from kb.state import state_of

log = logging.getLogger(__name__)
WATCH_INTERVAL = 1.0
OUTBOX_FINISH = 5.0  # seconds a stopping worker gives a delivery under way


def ensure_index(app) -> None:
    """Serve first, embed after: when no index exists, or an older kb built it, build the full-text index now
    (seconds) and the semantic one in the background (see kb.index.background), so that a fresh install or an
    upgrade serves straight away. A full-text-only index that should have embeddings gets them the same way."""
    build_dir = current_build_dir(index_root(app.config["DATA_DIR"]))
    if build_dir is None:
        click.echo("No index yet: building the full-text index now (kb index)...", err=True)
        rebuild(app, encoder=None)
    elif schema_problem(build_dir):
        click.echo("The index was built by another kb version: building the full-text index again now...", err=True)
        rebuild(app, encoder=None)
    if background.needs_semantic(app.config) and not background.building(app.config["DATA_DIR"]):
        click.echo("Semantic search is being built in the background; search is full-text until then.", err=True)
        background.start(app.config)


def rebuild(app, *, encoder="load") -> None:
    """Build the index; with the model (and then the int8 query model) unless ``encoder`` is None."""
    holder = encoder_holder(app, for_documents=True)
    encoder = holder.get() if encoder == "load" else encoder
    report = build_index(
        app.config["ARTICLES_DIR"],
        app.config["DATA_DIR"],
        encoder=encoder,
        locales=configured(app.config),
        encoders=document_encoders(app, encoder) if encoder is not None else None,
    )
    click.echo(report.summary(), err=True)
    message = export_after_build(app.config, holder, encoder)
    if message:
        click.echo(message, err=True)


def articles_fingerprint(root: Path) -> tuple:
    entries = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(root).parts):
            stat = path.stat()
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def watch_articles(app, stop: threading.Event, seen: tuple | None = None) -> None:
    """Rebuild the index whenever a file under ARTICLES_DIR changes (polling; no extra dependency).

    Args:
        seen: the fingerprint to compare with first (default: the folder as it is now).
    """
    root = Path(app.config["ARTICLES_DIR"])
    seen = articles_fingerprint(root) if seen is None else seen
    while not stop.wait(WATCH_INTERVAL):
        now = articles_fingerprint(root)
        if now != seen:
            seen = now
            try:
                rebuild(app)
            except ContentError as e:  # said as kb check says it; the previous index keeps serving
                click.echo(e.message, err=True)
            except Exception:  # keep watching: the previous index keeps serving
                log.exception("rebuilding the index failed")


def run_dev(app, host: str, port: int) -> None:
    stop = threading.Event()
    seen = articles_fingerprint(Path(app.config["ARTICLES_DIR"]))
    threading.Thread(target=watch_articles, args=(app, stop, seen), daemon=True).start()
    start_outbox(app)
    app.run(host=host, port=port, debug=True, use_reloader=False)


def run_gunicorn(host: str, port: int, workers: int | None) -> None:
    from gunicorn.app.base import BaseApplication

    from kb import create_app

    class KBApplication(BaseApplication):
        def __init__(self, app):
            self.application = app  # gunicorn reads the config in __init__, which needs it
            super().__init__()

        def load_config(self):
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": worker_threads(self.application.config),
                "preload_app": True,
                "accesslog": "-",
                "graceful_timeout": 20,
                "timeout": 30,
            }
            if self.application.config["LOG_FORMAT"] == "json":
                options["logger_class"] = "kb.logs.JsonLogger"
            for key, value in options.items():
                self.cfg.set(key, value)
            self.cfg.set("post_fork", lambda server, worker: after_fork(self.application))
            # SIGHUP: the master opens the newest build before forking the new workers, so they share it
            self.cfg.set("on_reload", lambda server: preload_index(self.application))
            self.cfg.set("worker_exit", lambda server, worker: before_exit(self.application))

        def load(self):
            return self.application

    app = create_app()
    logs.configure(app.config["LOG_FORMAT"])
    answer_server_errors_in_json()
    limit_math_threads()
    limit_retained_memory()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])  # inherited by the workers
    workers = workers or os.cpu_count() or 2
    share_query_vectors(app, workers)
    preload_index(app)
    KBApplication(app).run()


def share_query_vectors(app, workers: int) -> None:
    """Let this server's workers share the query vectors they make, in a SQLite file in ``DATA_DIR``, unless
    Redis shares them already (``KB_REDIS_URL``): a question one worker embedded is not embedded by another."""
    from kb.index import shared_vectors

    state = state_of(app)
    holders = [h for h in [state.encoder, *state.encoders.values()] if h is not None and h.enabled]
    if workers < 2 or app.config.get("REDIS_URL") or not holders:  # (semantic search switched off: no vectors)
        return
    app.config["QUERY_VECTORS_FILE"] = str(Path(app.config["DATA_DIR"]) / shared_vectors.FILE)
    store = shared_vectors.shared_vectors(app.config)  # None, with a warning, where the file cannot be made
    for holder in holders:
        if holder.shared is None and not holder.for_documents:
            holder.shared = store


def answer_server_errors_in_json() -> None:
    """Make gunicorn's own refusals (a request line over its limit: 414, too many headers: 431, a malformed
    request: 400) use kb's one JSON error shape instead of an HTML page. gunicorn writes them with
    ``gunicorn.util.write_error`` and offers no hook, so that function is replaced, in this process (and the
    workers it forks) only."""
    from gunicorn import util

    util.write_error = write_json_error


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    from gunicorn import util

    code = "_".join(reason.lower().split()) or "bad_request"
    body = json.dumps({"error": {"code": code, "message": f"{reason}: {mesg}"}}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


SPARE_THREADS = 4  # for pages, tickets and health checks while every ranking slot and queue place is taken


def worker_threads(config) -> int:
    """Threads per worker: enough that requests queue inside kb, where a full queue is answered with 503 at
    once (kb.query.capacity), rather than unseen in gunicorn's own queue."""
    return config["SEARCH_CONCURRENCY"] + config["SEARCH_QUEUE"] + SPARE_THREADS


def limit_math_threads() -> None:
    """One BLAS thread per process. Each worker already has a core to itself; numpy's OpenBLAS would start
    one spinning thread per core in every worker for the section-vector products, and under load those
    threads fight the workers for the same cores (measured: 40% fewer suggestions a second)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


# Python collects its youngest objects after every 700 more containers allocated than freed: in a worker, every
# dozen requests, and each collection walks what the requests under way hold (about 1 ms, up to 5 ms, and it
# holds every other thread of the worker meanwhile). Every 10,000: 20 times rarer, half the collector's time
# in all, a pause for fewer than 1 request in 100. Measured with 4 clients on 2 workers, 3 runs each way: p99
# of a suggestion 43-48 ms instead of 62-74, 142-156 a second instead of 114-134; 1 client unchanged.
YOUNG_COLLECTION_AFTER = 10_000


MALLOC_ARENAS = 2
MALLOC_MMAP_THRESHOLD = 1024 * 1024  # bytes: a block this large is mapped apart, and unmapped when freed
MALLOC_TRIM_THRESHOLD = 1024 * 1024  # bytes free at the top of the heap that are handed back at once


def limit_retained_memory() -> None:
    """Keep glibc malloc from holding on to memory a worker no longer uses.

    - At most two arenas per process. By default each of a worker's threads gets an arena of its own, which
      grows to the most that thread ever held and keeps it: measured here, 30-60 MB more per worker after a
      few minutes of load, for nothing.
    - Fixed mmap and trim thresholds. By default both grow whenever a large block is freed, so that after a
      burst of concurrent requests their large temporary buffers are carved from the arenas and stay there
      (measured: PSS of 2 workers after 1,000 requests from 64 clients, 317 MB with the defaults, 294 MB
      with these).

    (``MALLOC_ARENA_MAX`` and friends in the environment do the same; set here so that ``kb serve`` needs no
    wrapper.)"""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(-8, MALLOC_ARENAS)  # M_ARENA_MAX
        libc.mallopt(-3, MALLOC_MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, MALLOC_TRIM_THRESHOLD)  # M_TRIM_THRESHOLD


def release_free_memory() -> None:
    """Hand the memory freed while loading back to the system before forking, so no worker inherits it."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _glibc():
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (musl has neither)
    except (OSError, AttributeError):
        return None
    return libc


def preload_index(app) -> None:
    """Open the index and the int8 query model in the master, so that forked workers share its arrays,
    pages and model weights copy-on-write instead of each loading its own. Nothing is run here: the first
    inference happens in each worker, after the fork (see :func:`after_fork`)."""
    from kb.errors import IndexNotBuiltError

    try:
        state_of(app).indexes.current()
    except IndexNotBuiltError:
        return  # workers will say so on their first request
    state_of(app).encoder.preload()
    # onnxruntime starts a thread when imported; a forked worker has the thread's handle but not the thread
    state_of(app).onnxruntime_in_master = "onnxruntime" in sys.modules
    gc.collect()
    release_free_memory()
    gc.freeze()  # keep the collector from writing to (and so copying) every page of what the workers share


def after_fork(app) -> None:
    state_of(app).engine.dispose(close=False)  # connections opened in the master are not ours
    start_outbox(app)
    holder = state_of(app).encoder
    if holder.loaded:
        holder.warm_up()


def before_exit(app) -> None:
    """A worker stopping (restart, SIGHUP, shutdown) writes the analytics events it still has queued.

    When the master had loaded onnxruntime before forking, the worker then leaves at once, with the exit
    status it was leaving with: onnxruntime's C++ exit handlers wait for a thread that only the master has,
    and would hang the worker until gunicorn killed it (or abort it)."""
    from kb.analytics import events

    with app.app_context():
        events.flush()
    outbox = state_of(app).outbox_worker
    if outbox is not None:
        outbox.stop()
        outbox.join(OUTBOX_FINISH)  # a delivery under way finishes (its row is claimed until then)
    if state_of(app).onnxruntime_in_master:
        leaving = sys.exc_info()[1]  # gunicorn calls this hook while the worker's SystemExit propagates
        status = leaving.code if isinstance(leaving, SystemExit) and isinstance(leaving.code, int) else 0
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def start_outbox(app) -> None:
    """Deliver tickets from this process; safe in every worker at once (rows are claimed atomically)."""
    from kb.desk.outbox import Worker

    state = state_of(app)
    if state.outbox_worker is None:
        state.outbox_worker = Worker(state.engine, app.config)
        state.outbox_worker.start()
