"""Articles cannot exhaust the machine: YAML aliases are refused, a file over 1 MB is refused, and an article that
takes more than a few seconds to render is left out with a problem naming it (hardening finding 10)."""

from __future__ import annotations

import time

import pytest

from kb.content import pages
from kb.content.articles import MAX_ARTICLE_BYTES
from kb.content.pages import compile_articles

# 468 bytes that a YAML loader following aliases expands to 9^9 strings (it died with MemoryError after 67 s)
LAUGHS = (
    "---\n"
    + "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
    + "".join(f"{b}: &{b} [{','.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))
    + "title: Laughs\n---\n# Laughs\n\nHello.\n"
)


def problems_of(root):
    return {(p.path, p.line): p.message for p in compile_articles(root).problems}


def test_a_billion_laughs_article_is_refused_at_once_with_its_line(tmp_path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "laughs.md").write_text(LAUGHS)
    (tmp_path / "guides" / "fine.md").write_text("# Fine\n\nStill published.\n")
    started = time.perf_counter()
    compiled = compile_articles(tmp_path)
    assert time.perf_counter() - started < 5
    found = problems_of(tmp_path)
    assert (
        found[("guides/laughs.md", 3)]
        == "invalid YAML in front matter: aliases (*name) are not allowed; write each value out"
    )
    assert [p.slug for p in compiled.pages.values()] == ["fine"]


def test_an_alias_in_a_category_file_is_refused(tmp_path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "_category.yml").write_text("title: &t Guides\ndescription: *t\n")
    (tmp_path / "guides" / "fine.md").write_text("# Fine\n\nText.\n")
    assert "aliases (*name) are not allowed" in problems_of(tmp_path)[("guides/_category.yml", 2)]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    (tmp_path / "big.md").write_text("# Big\n\n" + "word " * (MAX_ARTICLE_BYTES // 5 + 10))
    assert problems_of(tmp_path)[("big.md", None)] == "larger than 1 MB: split it into several articles"


def test_an_article_that_renders_too_slowly_is_left_out(tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "RENDER_SECONDS", 0.2)
    real_render = pages.render_article

    def slow_render(article, slugs, **options):
        if article.path == "slow.md":
            time.sleep(5)  # stands for a pathological Markdown input
        return real_render(article, slugs, **options)

    monkeypatch.setattr(pages, "render_article", slow_render)
    (tmp_path / "slow.md").write_text("# Slow\n\nText.\n")
    (tmp_path / "fast.md").write_text("# Fast\n\nText.\n")
    started = time.perf_counter()
    compiled = compile_articles(tmp_path)
    assert time.perf_counter() - started < 3
    assert "took longer than 0.2 s to render" in problems_of(tmp_path)[("slow.md", None)]
    assert sorted(compiled.pages) == ["fast"]


@pytest.mark.parametrize("anchor_only", ["title: &t Reset\n", "tags: [a, b]\n"])
def test_anchors_without_aliases_and_plain_yaml_still_load(tmp_path, anchor_only):
    (tmp_path / "ok.md").write_text(f"---\n{anchor_only}---\n# Ok\n\nText.\n")
    assert not [p for p in compile_articles(tmp_path).problems if p.level == "error"]
