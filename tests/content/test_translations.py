"""Translations (kb.content.translations) as `kb check` reports them with KB_LOCALES=en,pt-BR: outdated
translations, untranslated articles, `translation_of` naming nothing, broken links inside an edition, and a
locale folder that KB_LOCALES does not list."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.content.frontmatter import split_front_matter
from kb.content.locales import parse_locales
from kb.content.translations import compile_editions, text_hash
from tests.fixtures.app import make_app, make_config
from tests.fixtures.locales import ARTICLES_I18N

RESET_PT = "pt-br/account/reset-password.md"
TWO_FACTOR_PT = "pt-br/account/autenticacao-em-dois-fatores.md"


@pytest.fixture
def check(i18n_app):
    """``kb check`` with KB_LOCALES=en,pt-BR on an articles folder: (exit code, output)."""
    runner = i18n_app.test_cli_runner()

    def run(articles: Path, *options: str) -> tuple[int, str]:
        result = runner.invoke(args=["check", "--articles", str(articles), *options])
        return result.exit_code, result.output

    return run


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def add_meta(path: Path, line: str) -> None:
    """Add a front matter line (``key: value``) just after the opening ``---``."""
    edit(path, "---\n", f"---\n{line}\n")


def body_hash(path: Path) -> str:
    return text_hash(split_front_matter(path.read_text("utf-8"))[1])


def lines_about(output: str, path: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(path)]


# The article set as shipped


def test_the_bilingual_articles_check_with_one_warning_per_untranslated_article(check):
    code, out = check(ARTICLES_I18N)
    assert code == 0, out
    assert "billing/invoices.md: warning: no pt-BR translation yet: write pt-br/billing/invoices.md" in out
    assert "Checked 5 articles (3 en, 2 pt-BR)" in out
    assert "0 error(s), 1 warning(s)" in out
    assert "outdated" not in out


def test_strict_check_fails_on_an_untranslated_article(check):
    code, out = check(ARTICLES_I18N, "--strict")
    assert code == 1
    assert "no pt-BR translation yet" in out and "in strict mode" in out


def test_a_translation_is_linked_to_its_source_by_slug_or_translation_of():
    default, portuguese = compile_editions(ARTICLES_I18N, parse_locales("en,pt-BR"))
    assert [e.locale.tag for e in (default, portuguese)] == ["en", "pt-BR"]
    assert set(default.compiled.pages) == {"reset-password", "two-factor", "invoices"}
    pages = portuguese.compiled.pages
    assert {slug: page.translation_of for slug, page in pages.items()} == {
        "reset-password": "reset-password",
        "autenticacao-em-dois-fatores": "two-factor",
    }
    assert pages["autenticacao-em-dois-fatores"].url == "/pt-br/articles/autenticacao-em-dois-fatores"
    assert default.compiled.pages["two-factor"].url == "/articles/two-factor"


def test_a_link_inside_the_portuguese_edition_stays_in_it():
    portuguese = compile_editions(ARTICLES_I18N, parse_locales("en,pt-BR"))[1]
    html = portuguese.compiled.pages["autenticacao-em-dois-fatores"].html
    assert 'href="/pt-br/articles/reset-password#se-o-e-mail-n' in html
    assert 'href="/articles/reset-password' not in html


def test_a_draft_source_needs_no_translation(i18n_articles, check):
    add_meta(i18n_articles / "billing/invoices.md", "status: draft")
    code, out = check(i18n_articles)
    assert code == 0, out
    assert "no pt-BR translation yet" not in out


# Outdated translations


def test_text_hash_ignores_whitespace_and_is_short_hex():
    assert text_hash("Open the  page.\n\nClick.") == text_hash("Open the page. Click.\n")
    assert text_hash("Open the page.") != text_hash("Open the other page.")
    digest = text_hash("anything")
    assert len(digest) == 12 and all(c in "0123456789abcdef" for c in digest)


def test_a_recorded_hash_that_matches_the_source_is_current(i18n_articles, check):
    add_meta(i18n_articles / RESET_PT, f"translated_from: {body_hash(i18n_articles / 'account/reset-password.md')}")
    code, out = check(i18n_articles)
    assert code == 0, out
    assert "outdated" not in out


def test_a_source_changed_after_its_recorded_hash_makes_the_translation_outdated(i18n_articles, check):
    source = i18n_articles / "account/reset-password.md"
    old = body_hash(source)
    add_meta(i18n_articles / RESET_PT, f"translated_from: {old}")
    edit(source, "expires after one hour", "expires after thirty minutes")
    new = body_hash(source)
    code, out = check(i18n_articles)
    assert code == 0, out  # a warning, not an error
    [line] = [line for line in lines_about(out, RESET_PT) if "outdated" in line]
    assert line.startswith(f"{RESET_PT}:2: warning: outdated: account/reset-password.md changed")
    assert old in line and new in line and f"translated_from: {new}" in line

    # the fix the warning names: update the translation and record the new hash
    edit(i18n_articles / RESET_PT, f"translated_from: {old}", f"translated_from: {new}")
    assert "outdated" not in check(i18n_articles)[1]


def test_reformatting_the_source_does_not_outdate_its_translation(i18n_articles, check):
    source = i18n_articles / "account/reset-password.md"
    add_meta(i18n_articles / RESET_PT, f"translated_from: {body_hash(source)}")
    edit(source, "Check your spam folder, then", "Check your spam folder,\nthen")
    assert "outdated" not in check(i18n_articles)[1]


def test_without_a_hash_a_source_updated_after_the_translation_makes_it_outdated(i18n_articles, check):
    edit(i18n_articles / "account/two-factor.md", "updated: 2026-11-20", "updated: 2026-12-05")
    code, out = check(i18n_articles)
    assert code == 0, out
    [line] = lines_about(out, TWO_FACTOR_PT)
    assert "warning: outdated: account/two-factor.md was updated on 2026-12-05" in line
    assert "(2026-11-20)" in line
    assert lines_about(out, RESET_PT) == []  # the other translation is still current


def test_without_a_hash_a_translation_updated_later_than_its_source_is_current(i18n_articles, check):
    edit(i18n_articles / TWO_FACTOR_PT, "updated: 2026-11-20", "updated: 2026-12-05")
    code, out = check(i18n_articles)
    assert code == 0 and "outdated" not in out, out


# Errors


def test_translation_of_naming_no_article_is_an_error(i18n_articles, check):
    edit(i18n_articles / TWO_FACTOR_PT, "translation_of: two-factor", "translation_of: two-factors")
    code, out = check(i18n_articles)
    assert code == 1
    assert f"{TWO_FACTOR_PT}:5: error: `translation_of`: there is no article 'two-factors' to translate" in out
    # and its source now counts as untranslated
    assert "account/two-factor.md: warning: no pt-BR translation yet: write pt-br/account/two-factor.md" in out


def test_a_broken_link_in_the_portuguese_edition_is_an_error_with_its_path(i18n_articles, check):
    edit(i18n_articles / TWO_FACTOR_PT, "reset-password.md#se-o-e-mail", "redefinir.md#se-o-e-mail")
    code, out = check(i18n_articles)
    assert code == 1
    [line] = [line for line in lines_about(out, TWO_FACTOR_PT) if "error" in line]
    assert line.startswith(f"{TWO_FACTOR_PT}:13: error: link to redefinir.md")
    assert "no article at account/redefinir.md" in line


def test_a_broken_anchor_in_the_portuguese_edition_names_the_portuguese_headings(i18n_articles, check):
    edit(i18n_articles / TWO_FACTOR_PT, "#se-o-e-mail-não-chegar", "#if-the-e-mail-does-not-arrive")
    code, out = check(i18n_articles)
    assert code == 1
    [line] = [line for line in lines_about(out, TWO_FACTOR_PT) if "error" in line]
    assert "has no heading #if-the-e-mail-does-not-arrive" in line
    assert "se-o-e-mail-não-chegar" in line  # the anchors it does have


# A locale folder KB_LOCALES does not list


def test_an_unlisted_locale_folder_is_a_warning_and_not_a_category(tmp_path):
    app = make_app(
        make_config(
            tmp_path / "data", ARTICLES_DIR=str(ARTICLES_I18N), DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        )
    )
    result = app.test_cli_runner().invoke(args=["check", "--articles", str(ARTICLES_I18N)])
    assert result.exit_code == 0, result.output
    assert (
        "pt-br: warning: looks like the pt-BR edition of the help center, but KB_LOCALES (en) does not list it"
        in result.output
    )
    assert "set KB_LOCALES=en,pt-BR" in result.output
    assert "Checked 3 articles in" in result.output
    assert "translation" not in result.output  # one language: nothing to translate

    [english] = compile_editions(ARTICLES_I18N, parse_locales("en"))
    assert set(english.compiled.pages) == {"reset-password", "two-factor", "invoices"}
    assert set(english.compiled.categories) == {"account", "billing"}


def test_a_listed_locale_folder_is_not_warned_about(check):
    assert "looks like the pt-BR edition" not in check(ARTICLES_I18N)[1]
