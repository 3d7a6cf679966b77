"""The suggestion engine on its own: how a customer's text is read, and which page URLs a rule matches."""

from __future__ import annotations

import pytest

from suggest.engine import matches_page, read_text


def test_read_text_splits_head_and_chunks():
    query = read_text("Subject line here\nsecond line\n" + "word " * 500)
    assert query.head.startswith("Subject line here second line")
    assert len(query.chunks) == 3


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [
        ("/billing/*", "https://app.example.com/billing/plans", True),
        ("/billing/*", "https://app.example.com/settings", False),
        ("/billing", "https://app.example.com/billing?x=1", True),
        ("https://app.example.com/settings/*", "https://app.example.com/settings/team", True),
        ("https://app.example.com/settings/*", "https://other.example.com/settings/team", False),
        ("/billing/*", "", False),
    ],
)
def test_page_rules(pattern, url, expected):
    assert matches_page(pattern, url) is expected
