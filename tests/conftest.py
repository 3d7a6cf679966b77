from __future__ import annotations

import json
import os
import re
import shutil
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from kb import create_app
from kb.cli import upgrade_database
from kb.index.build import build_index
from kb.state import state_of

TESTS = Path(__file__).parent
ARTICLES = TESTS / "articles"


class FakeEncoder:
    """Deterministic bag-of-words vectors: texts that share (content) words are close. No model, no torch."""

    name = "fake-encoder"
    dimension = 1024

    def _encode(self, texts: list[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w{4,}", text.lower()):  # short words are mostly function words
                matrix[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    def encode_documents(self, texts):
        return self._encode(texts)

    def encode_queries(self, texts):
        return self._encode(texts)


def make_config(data_dir: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "ARTICLES_DIR": str(ARTICLES),
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": "test-secret",
        "RATE_LIMIT": "off",
        "SUGGEST_MIN_SCORE": 0.05,  # the fake encoder's cosines are lower than the real model's
        "EMBEDDING_MODEL": FakeEncoder.name,
        "ENCODER_FACTORY": FakeEncoder,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def real_encoder():
    """The real all-MiniLM-L6-v2, loaded once per session for the few tests about meaning."""
    from search import semantic

    if not semantic.is_available():
        pytest.fail("the [semantic] extra is not installed: run `make test`, which installs it")
    return semantic.load_encoder(semantic.DEFAULT_MODEL)


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory) -> Path:
    """An index of tests/articles built once per session (read-only for tests)."""
    data_dir = tmp_path_factory.mktemp("data")
    build_index(ARTICLES, data_dir, encoder=FakeEncoder())
    return data_dir


def make_app(config: dict):
    """The app for ``config`` with its database ready, as `kb db upgrade` leaves it (the factory only wires)."""
    app = create_app(config)
    with app.app_context():
        upgrade_database(app)
    return app


@pytest.fixture
def app(built_data_dir, tmp_path):
    return make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def articles_copy(tmp_path) -> Path:
    """A writable copy of tests/articles, for tests that edit articles."""
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


POSTGRES_URL = os.environ.get("KB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def prepare_database(kind: str, tmp_path: Path) -> str:
    """A new, empty database of ``kind`` ("sqlite" or "postgresql"); PostgreSQL must be up in CI."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL is not reachable")
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:  # a clean schema: kb creates its tables as on a new database
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The same test on SQLite and on PostgreSQL."""
    return prepare_database(request.param, tmp_path)


BOTH_DATABASES = pytest.mark.parametrize("db_kind", ["sqlite", "postgresql"])


@pytest.fixture
def db_kind() -> str:
    """SQLite unless a test asks for both with ``@BOTH_DATABASES``."""
    return "sqlite"


@pytest.fixture
def some_database_url(db_kind, tmp_path) -> str:
    return prepare_database(db_kind, tmp_path)


def shut_down(app) -> None:
    """What a worker does on exit: write queued events, stop background threads, close connections."""
    from kb.analytics import events

    with app.app_context():
        events.close()
    state_of(app).engine.dispose()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class LiveServer:
    def __init__(self, app, host: str = "127.0.0.1"):
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free local port (for browser tests)."""
    with LiveServer(app) as server:
        yield server


class HeldSlot:
    """A thread that takes a slot of ``gate`` and keeps it until ``release()`` (a context manager)."""

    def __init__(self, gate, **slot_options):
        self.gate = gate
        self._options = slot_options
        self._holding, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        with self.gate.slot(**self._options):
            self._holding.set()
            self._release.wait(30)

    def __enter__(self):
        self._thread.start()
        assert self._holding.wait(5)
        return self

    def release(self) -> None:
        self._release.set()
        self._thread.join(5)

    def __exit__(self, *exc):
        self.release()


class AtCapacity(HeldSlot):
    """``app`` at capacity: its ranking gate swapped for one of one slot, held, and no queue, until ``release``;
    the app's own gate is back afterwards."""

    def __init__(self, app):
        from kb.query.capacity import Gate

        super().__init__(Gate(concurrency=1, queue=0))
        self.app = app
        self.saved = state_of(app).gate

    def __enter__(self):
        state_of(self.app).gate = self.gate
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        state_of(self.app).gate = self.saved


class WebhookReceiver:
    """A local webhook endpoint that records what it receives; ``up = False`` makes it answer 500."""

    def __init__(self):
        self.received: list[dict] = []  # {"body": parsed JSON, "key": Idempotency-Key header}
        self.up = True
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not receiver.up:
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.received.append({"body": json.loads(body), "key": self.headers["Idempotency-Key"]})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.close()


CHROMIUM = "/usr/bin/chromium"
# A customer's browser, not "HeadlessChrome", which kb's analytics rightly treat as a bot.
CUSTOMER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
CHROMIUM_ARGS = [
    f"--user-agent={CUSTOMER_UA}",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (`make test` installs it; never `playwright install`)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KB_SKIP_BROWSER") == "1":
            pytest.skip(f"{CHROMIUM} is missing and KB_SKIP_BROWSER=1")
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium), "
            "or set KB_SKIP_BROWSER=1 to skip the browser tests",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


DESKTOP = {"width": 1280, "height": 800}


class HostSite:
    """Another origin: serves ``pages`` (path -> HTML) over HTTP on a free port."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                body = site.pages.get(self.path.split("?")[0])
                if self.path == "/favicon.ico":
                    self.send_response(204)
                    self.end_headers()
                    return
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host():
    """Another origin (a customer's site) that serves ``host.pages``; the beacon tests share one per module."""
    site = HostSite()
    yield site
    site.close()


@pytest.fixture
def open_page(browser):
    """``open_page(**context_options)``: a fresh context's page, with a list of its console errors."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**{"viewport": DESKTOP, **options})
        context.set_default_timeout(5_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield open_page
    for context in contexts:
        context.close()
