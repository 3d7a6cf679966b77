"""The Security article names a test for each of its promises: each named test must exist."""

from __future__ import annotations

import re

from tests.fixtures.app import TESTS

ARTICLE = TESTS.parent / "articles" / "production" / "security.md"


def named_tests() -> list[tuple[str, str]]:
    text = ARTICLE.read_text("utf-8")
    table = text[text.index("## How each promise is checked") : text.index("## Checklist before going live")]
    return re.findall(r"`([\w/]+\.py)(?:::(\w+))?`", table)


def test_every_promise_names_a_test_that_exists():
    found = named_tests()
    assert len(found) >= 20
    for path, name in found:
        source = (TESTS / path).read_text("utf-8")
        assert not name or f"def {name}(" in source, f"{path}::{name} is named in the Security article"
