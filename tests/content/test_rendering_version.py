"""A page stored by an older rendering of the same Markdown is rendered again by the next incremental build."""

from __future__ import annotations

from kb.content import articles
from kb.content.pages import compile_articles
from tests.fixtures.app import ARTICLES


def test_unchanged_files_are_reused_until_the_rendering_changes(monkeypatch):
    first = compile_articles(ARTICLES)
    assert compile_articles(ARTICLES, first.pages).reused == len(first.pages)
    monkeypatch.setattr(articles, "RENDERING", articles.RENDERING + 1)
    assert compile_articles(ARTICLES, first.pages).reused == 0
