"""The shipped help center and the docs stay honest: every article valid, every setting documented."""

from __future__ import annotations

import re

from kb.config import SETTINGS, SHIPPED_ARTICLES
from kb.content.articles import load_articles
from kb.content.locales import parse_locales
from kb.content.translations import compile_editions


def test_every_setting_is_documented_in_the_configuration_article():
    text = (SHIPPED_ARTICLES / "production" / "configuration.md").read_text("utf-8")
    missing = [s.name for s in SETTINGS if f"KB_{s.name}" not in text]
    assert missing == []


def test_every_setting_has_help_text():
    assert all(s.help.strip() for s in SETTINGS)


SHIPPED_LOCALES = "en,pt-BR"  # as `make run` serves them


def test_shipped_articles_have_no_problems_even_in_strict_mode():
    editions = compile_editions(SHIPPED_ARTICLES, parse_locales(SHIPPED_LOCALES))
    assert [str(p) for edition in editions for p in edition.compiled.problems] == []


def test_every_shipped_article_has_a_current_portuguese_translation():
    english, portuguese = compile_editions(SHIPPED_ARTICLES, parse_locales(SHIPPED_LOCALES))
    assert set(english.compiled.pages) == set(portuguese.compiled.pages)
    assert all(page.translation_of == page.slug for page in portuguese.compiled.pages.values())


def test_make_run_serves_the_shipped_languages():
    assert f"KB_LOCALES ?= {SHIPPED_LOCALES}" in (SHIPPED_ARTICLES.parent / "Makefile").read_text("utf-8")


def test_shipped_help_center_is_big_enough_and_complete():
    library = load_articles(SHIPPED_ARTICLES)
    public = [a for a in library.articles.values() if a.status == "published"]
    assert len(public) >= 30
    assert len({a.category for a in public}) >= 6
    for article in public:
        assert article.title and article.summary, article.path
        assert re.search(r"^## ", article.body, re.M), f"{article.path} has no sections"
