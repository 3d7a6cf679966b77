"""The fixtures live in tests/fixtures/ (loaded here); this file also marks each test by what it needs.

Markers (registered in pyproject.toml): ``slow`` loads the real embedding model, ``browser`` drives Chromium,
``serve`` starts `kb serve` (gunicorn) processes. A test gets its marker from the fixture that reveals it
(``real_encoder``, ``browser``, ``kb_serve``, directly or through another fixture); modules whose tests need one
without such a fixture say so with ``pytestmark``. `make check` runs the rest: ``-m "not slow and not browser
and not serve"``.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.fixtures")

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.databases",
    "tests.fixtures.model",
    "tests.fixtures.servers",
    "tests.fixtures.browser",
    "tests.fixtures.axe",
    "tests.fixtures.agents",
    "tests.fixtures.analytics",
    "tests.fixtures.desk",
    "tests.fixtures.mail",
    "tests.fixtures.netns",
    "tests.fixtures.locales",
]

MARKER_OF_FIXTURE = {"real_encoder": "slow", "browser": "browser", "kb_serve": "serve"}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        for fixture, marker in MARKER_OF_FIXTURE.items():
            if fixture in item.fixturenames:
                item.add_marker(marker)
