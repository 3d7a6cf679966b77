from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb.content.articles import load_articles, parse_article

GOOD = """---
title: Reset your password
slug: reset-password
category: account
summary: Get back in.
tags: [login, password]
status: published
related: [two-factor]
order: 10
updated: 2026-11-01
x-owner: support-team
---
Body text.
"""


def parse(text: str, path: str = "account/reset.md"):
    return parse_article(text, path)


def messages(problems) -> list[str]:
    return [f"{p.line}:{p.level}:{p.message}" for p in problems]


def test_every_front_matter_field_is_read():
    article, problems = parse(GOOD)
    assert problems == []
    assert article.title == "Reset your password"
    assert article.slug == "reset-password"
    assert article.category == "account"
    assert article.summary == "Get back in."
    assert article.tags == ["login", "password"]
    assert article.related == ["two-factor"]
    assert article.order == 10
    assert article.updated == dt.date(2026, 11, 1)
    assert article.body == "Body text.\n"
    assert article.body_line == 13


def test_unknown_keys_are_kept_as_metadata_not_errors():
    article, problems = parse(GOOD)
    assert article.meta["x-owner"] == "support-team"
    assert problems == []


def test_defaults_come_from_file_and_folder_names():
    article, _ = parse("---\ntitle: Hi\nsummary: s\n---\nBody\n", "Getting Started/First Steps.md")
    assert article.slug == "first-steps"
    assert article.category == "getting-started"
    assert article.status == "published"


def test_title_falls_back_to_leading_h1_with_a_warning():
    article, problems = parse("# From the heading\n\nText\n")
    assert article.title == "From the heading"
    assert "From the heading" not in article.body
    assert any(p.level == "warning" and "title" in p.message for p in problems)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("---\nsummary: no title\n---\nbody\n", 1, "missing `title`"),
        ("---\ntitle: [a, b]\n---\nbody\n", 2, "`title` must be a non-empty string"),
        ("---\ntitle: 42\n---\nbody\n", 2, "`title` must be a non-empty string"),
        ("---\ntitle: ok\nsummary: x\ntags: {a: 1}\n---\n", 4, "`tags` must be a list of strings"),
        ("---\ntitle: ok\nstatus: secret\n---\n", 3, "`status` must be one of published, draft, internal"),
        ("---\ntitle: ok\norder: first\n---\n", 3, "`order` must be a number"),
        ("---\ntitle: ok\nslug: Not A Slug\n---\n", 3, "`slug` must be lowercase"),
        ("---\ntitle: ok\nrelated: 5\n---\n", 3, "`related` must be a list of strings"),
        ("---\ntitle: ok\n  bad: indent\n---\n", 3, "invalid YAML"),
        ("---\ntitle: [unclosed\n---\n", 3, "invalid YAML"),
        ("---\n- a\n- b\n---\n", 2, "front matter must be a mapping"),
        ("---\ntitle: never closed\n", 1, "front matter is not closed"),
    ],
)
def test_validation_errors_name_the_line_and_problem(text, line, fragment):
    article, problems = parse(text)
    errors = [p for p in problems if p.level == "error"]
    assert article is None
    assert errors, messages(problems)
    assert errors[0].line == line, messages(problems)
    assert fragment in errors[0].message
    assert str(errors[0]).startswith(f"account/reset.md:{line}: error:")


def test_several_problems_in_one_file_are_all_reported():
    _, problems = parse("---\ntitle: 3\nstatus: nope\norder: x\n---\n")
    assert len([p for p in problems if p.level == "error"]) == 3


def test_bad_date_is_a_warning_not_an_error():
    article, problems = parse("---\ntitle: ok\nsummary: s\nupdated: last tuesday\n---\n")
    assert article is not None and article.updated is None
    assert [p.line for p in problems if p.level == "warning"] == [4]


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_load_articles_reports_duplicates_and_keeps_the_rest(tmp_path):
    write(tmp_path, "a/one.md", "---\ntitle: One\nsummary: s\nslug: same\n---\n")
    write(tmp_path, "b/two.md", "---\ntitle: Two\nsummary: s\nslug: same\n---\n")
    write(tmp_path, "b/three.md", "---\ntitle: [broken\n---\n")
    write(tmp_path, "b/four.md", "---\ntitle: Four\nsummary: s\n---\n")
    library = load_articles(tmp_path)
    assert sorted(library.articles) == ["four", "same"]
    errors = [str(p) for p in library.problems if p.level == "error"]
    assert any(e.startswith("b/two.md:4: error: duplicate slug 'same', already used by a/one.md") for e in errors)
    assert any(e.startswith("b/three.md:") and "invalid YAML" in e for e in errors)


def test_non_utf8_file_names_the_line(tmp_path):
    (tmp_path / "x.md").write_bytes(b"---\ntitle: ok\n---\nline four \xff\n")
    library = load_articles(tmp_path)
    errors = [str(p) for p in library.problems if p.level == "error"]
    assert errors == ["x.md:4: error: not valid UTF-8 (byte 0xff); save the file as UTF-8"]


def test_categories_read_category_yml(tmp_path):
    write(tmp_path, "account/_category.yml", "title: Your account\ndescription: Sign in\norder: 2\nicon: rocket\n")
    write(tmp_path, "account/a.md", "---\ntitle: A\nsummary: s\n---\n")
    write(tmp_path, "billing/b.md", "---\ntitle: B\nsummary: s\n---\n")
    write(tmp_path, "billing/_category.yml", "order: 1\nicon: unicorn\n")
    library = load_articles(tmp_path)
    assert list(library.categories) == ["billing", "account"]
    account = library.categories["account"]
    assert (account.title, account.description, account.icon) == ("Your account", "Sign in", "rocket")
    assert library.categories["billing"].title == "Billing"
    assert any("unknown icon 'unicorn'" in str(p) for p in library.problems if p.level == "warning")


def test_hidden_folders_and_links_outside_are_skipped(tmp_path):
    write(tmp_path, "docs/a.md", "---\ntitle: A\nsummary: s\n---\n")
    write(tmp_path, ".git/b.md", "---\ntitle: B\n---\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text("---\ntitle: Secret\n---\n")
    (tmp_path / "docs" / "link.md").symlink_to(outside)
    assert list(load_articles(tmp_path).articles) == ["a"]
