"""Markdown rendering: golden files for the HTML, plus the table of contents, sections and references.

Each ``tests/golden/NAME.md`` is parsed as the article ``golden/NAME.md`` and rendered; its ``.html`` must
equal ``tests/golden/NAME.html``. The expected files were generated once and then checked by hand; where the
renderer was found wrong the expected file holds the *correct* output.
"""

from __future__ import annotations

from html import unescape as html_unescape
from pathlib import Path

import pytest

from kb.content.articles import parse_article
from kb.content.render import Rendered, render_article
from tests.fixtures.app import GOLDEN

GOLDEN_NAMES = sorted(p.stem for p in GOLDEN.glob("*.md"))

# Golden cases whose expected output is right but which the renderer currently gets wrong.


def golden_slugs(name: str) -> dict[str, str]:
    return {"guides/other.md": "other", "golden/sibling.md": "sibling", f"golden/{name}.md": name}


def render_source(source: str, path: str, slugs: dict[str, str] | None = None) -> Rendered:
    article, problems = parse_article(source, path)
    assert article is not None, problems
    return render_article(article, slugs if slugs is not None else {path: "this", "guides/other.md": "other"})


def _normalize(html: str) -> str:
    return "\n".join(line.rstrip() for line in html.rstrip().split("\n"))


def assert_renders(source: Path, expected: Path) -> None:
    """Render the golden ``source`` file and compare it with ``expected`` (trailing whitespace ignored)."""
    name = source.stem
    rendered = render_source(source.read_text("utf-8"), f"golden/{name}.md", golden_slugs(name))
    assert _normalize(rendered.html) == _normalize(expected.read_text("utf-8"))


def test_golden_files_come_in_pairs():
    assert len(GOLDEN_NAMES) >= 8
    assert sorted(p.stem for p in GOLDEN.glob("*.html")) == GOLDEN_NAMES


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden(name):
    assert_renders(GOLDEN / f"{name}.md", GOLDEN / f"{name}.html")


# --------------------------------------------------------------------------------------- table of contents

TOC_SOURCE = """---
title: Setup guide
summary: s
---
Intro with `code`.

## Install

Install the package.

```bash
pip install kb
```

### On Linux

Linux steps, see [other](other.md).

#### Deep detail

Deep text.

### On macOS

Mac steps.

## Install

Second install section.

## Configure & run

Config text.
"""


def test_toc_has_levels_two_and_three_nested():
    rendered = render_source(TOC_SOURCE, "guides/setup.md")
    assert rendered.toc == [
        {
            "id": "install",
            "title": "Install",
            "level": 2,
            "children": [
                {"id": "on-linux", "title": "On Linux", "level": 3, "children": []},  # h4 "Deep detail" left out
                {"id": "on-macos", "title": "On macOS", "level": 3, "children": []},
            ],
        },
        {"id": "install_1", "title": "Install", "level": 2, "children": []},
        {"id": "configure-run", "title": "Configure & run", "level": 2, "children": []},  # unescaped text
    ]


def test_toc_skips_h1_and_keeps_an_h3_before_any_h2():
    rendered = render_source("---\ntitle: T\n---\n### Early\n\n# Big\n\n## Later\n", "guides/t.md")
    assert [(e["id"], e["level"]) for e in rendered.toc] == [("early", 3), ("later", 2)]
    assert 'id="big"' in rendered.html  # the h1 still gets an anchor


def test_toc_titles_are_plain_text():
    rendered = render_source("---\ntitle: T\n---\n## Use `kb check` *now* & <b>then</b>\n", "guides/t.md")
    [entry] = rendered.toc
    assert entry["title"] == "Use kb check now & then"
    assert entry["id"] == "use-kb-check-now-then"


def test_toc_ids_match_heading_ids_for_unicode():
    rendered = render_source("---\ntitle: T\n---\n## Crème brûlée\n\n## Crème brûlée\n", "guides/t.md")
    assert [e["id"] for e in rendered.toc] == ["crème-brûlée", "crème-brûlée_1"]
    for entry in rendered.toc:
        assert f'id="{entry["id"]}"' in rendered.html


# ----------------------------------------------------------------------------------------------- sections


def test_sections_start_with_the_intro():
    rendered = render_source(TOC_SOURCE, "guides/setup.md")
    intro = rendered.sections[0]
    assert (intro.anchor, intro.heading, intro.level, intro.path) == ("", "Setup guide", 1, ["Setup guide"])
    assert intro.text == "Intro with code."


def test_sections_follow_every_heading_with_its_path():
    rendered = render_source(TOC_SOURCE, "guides/setup.md")
    assert [(s.anchor, s.level, s.path) for s in rendered.sections[1:]] == [
        ("install", 2, ["Setup guide", "Install"]),
        ("on-linux", 3, ["Setup guide", "Install", "On Linux"]),
        ("deep-detail", 4, ["Setup guide", "Install", "On Linux", "Deep detail"]),
        ("on-macos", 3, ["Setup guide", "Install", "On macOS"]),
        ("install_1", 2, ["Setup guide", "Install"]),
        ("configure-run", 2, ["Setup guide", "Configure & run"]),
    ]


def test_section_text_is_only_its_own_and_includes_code():
    sections = {s.anchor: s for s in render_source(TOC_SOURCE, "guides/setup.md").sections}
    assert sections["install"].text == "Install the package.\npip install kb"
    assert sections["on-linux"].text == "Linux steps, see other."
    assert sections["deep-detail"].text == "Deep text."
    assert sections["install_1"].text == "Second install section."
    assert sections["configure-run"].heading == "Configure & run"
    assert sections["configure-run"].text == "Config text."


def test_section_text_keeps_admonitions_tables_and_decoded_entities():
    source = (
        "---\ntitle: T\n---\n## Limits\n\n!!! note\n    Up to 5 < 10 items.\n\n"
        "| Plan | Seats |\n|---|---|\n| Pro | 10 |\n\n## Next\n\nLater.\n"
    )
    sections = {s.anchor: s for s in render_source(source, "guides/t.md").sections}
    assert sections["limits"].text == "Note\nUp to 5 < 10 items.\nPlan\nSeats\nPro\n10"
    assert sections["next"].text == "Later."


def test_excerpt_and_text():
    rendered = render_source(TOC_SOURCE, "guides/setup.md")
    assert rendered.excerpt() == "Intro with code."
    empty_intro = render_source("---\ntitle: T\n---\n## H\n\nFirst words of the body here.\n", "guides/t.md")
    short = empty_intro.excerpt(15)
    assert len(short) <= 15 and short.endswith("…")
    assert "First words of the body here.".startswith(short[:-1] + " ")  # cut between words


# --------------------------------------------------------------------------------------------- references

REFS_SOURCE = """---
title: Refs
summary: s
---
Intro.

See [other](other.md#setup) and [this](#local).

![Shot](img/shot.png)

A [file](files/a.pdf), an [escape](../../x.md) and ![up](../../up.png).

[External](https://example.com/) and [site](/search).
"""  # body starts on file line 5


def refs_by_href(rendered: Rendered) -> dict:
    return {r.href: r for r in rendered.references}


def test_references_resolve_relative_to_the_article_folder():
    refs = refs_by_href(render_source(REFS_SOURCE, "guides/refs.md"))
    assert set(refs) == {"other.md#setup", "#local", "img/shot.png", "files/a.pdf", "../../x.md", "../../up.png"}
    other = refs["other.md#setup"]
    assert (other.kind, other.target, other.fragment, other.broken) == ("link", "guides/other.md", "setup", "")
    local = refs["#local"]
    assert (local.kind, local.target, local.fragment, local.broken) == ("link", "guides/refs.md", "local", "")
    shot = refs["img/shot.png"]
    assert (shot.kind, shot.target, shot.broken) == ("image", "guides/img/shot.png", "")
    assert (refs["files/a.pdf"].kind, refs["files/a.pdf"].target) == ("link", "guides/files/a.pdf")


def test_references_outside_the_folder_are_broken():
    rendered = render_source(REFS_SOURCE, "guides/refs.md")
    refs = refs_by_href(rendered)
    escape = refs["../../x.md"]
    assert escape.target is None
    assert escape.broken == "../../x.md points outside the articles folder"
    up = refs["../../up.png"]
    assert (up.kind, up.target) == ("image", None)
    assert up.broken == "../../up.png points outside the articles folder"
    assert '<a href="../../x.md">escape</a>' in rendered.html  # left as written
    assert '<img alt="up" loading="lazy" src="">' in rendered.html


def test_a_sibling_folder_is_not_outside():
    refs = refs_by_href(render_source("---\ntitle: T\n---\n[x](../account/a.md)\n", "guides/t.md"))
    assert refs["../account/a.md"].target == "account/a.md"
    assert refs["../account/a.md"].broken == ""


def test_reference_lines_are_file_lines():
    refs = refs_by_href(render_source(REFS_SOURCE, "guides/refs.md"))
    assert refs["other.md#setup"].line == 7
    assert refs["#local"].line == 7
    assert refs["img/shot.png"].line == 9
    assert refs["files/a.pdf"].line == 11
    assert refs["../../x.md"].line == 11
    assert refs["../../up.png"].line == 11


def test_reference_lines_account_for_a_removed_h1():
    source = "# The title\n\nIntro.\n\n[other](other.md)\n"
    [ref] = render_source(source, "guides/t.md").references
    assert ref.line == 5


def test_reference_line_of_a_reference_style_link_is_its_definition():
    source = "---\ntitle: T\n---\nSee [other][o].\n\n[o]: other.md\n"
    [ref] = render_source(source, "guides/t.md").references
    assert ref.line == 6


def test_reference_lines_for_a_repeated_href():
    source = "---\ntitle: T\n---\n[one](missing.md)\n\ntext\n\n[two](missing.md)\n"
    assert [r.line for r in render_source(source, "guides/t.md").references] == [4, 8]


@pytest.mark.parametrize(
    "source",
    [
        "---\ntitle: T\n---\nRename missing.md first.\n\n[x](missing.md)\n",
        "---\ntitle: T\n---\n[a](../guides/missing.md)\n\n[x](missing.md)\n",
    ],
    ids=["href-in-prose", "href-inside-longer-href"],
)
def test_reference_line_is_the_link_not_an_earlier_mention(source):
    refs = render_source(source, "guides/t.md").references
    assert refs[-1].href == "missing.md"
    assert refs[-1].line == 6


def test_percent_encoded_link_resolves_to_the_article():
    rendered = render_source("---\ntitle: T\n---\n[x](my%20file.md)\n", "guides/t.md", {"guides/my file.md": "my-file"})
    assert rendered.references[0].target == "guides/my file.md"
    assert '<a href="/articles/my-file">x</a>' in rendered.html


def test_links_to_unknown_articles_are_left_as_written_for_kb_check():
    rendered = render_source("---\ntitle: T\n---\n[x](missing.md#a)\n", "guides/t.md")
    [ref] = rendered.references
    assert (ref.target, ref.fragment) == ("guides/missing.md", "a")
    assert '<a href="missing.md#a">x</a>' in rendered.html


def test_external_links_and_footnotes_are_not_references():
    source = "---\ntitle: T\n---\n[a](https://example.com/) [b](/abs) [c](mailto:x@example.com) note[^1]\n\n[^1]: n\n"
    assert render_source(source, "guides/t.md").references == []


def test_images_get_lazy_loading_and_asset_urls():
    source = "---\ntitle: T\n---\n![a](./img/../img/a.png) ![b](https://x.example/b.png)\n"
    rendered = render_source(source, "guides/t.md")
    assert '<img alt="a" loading="lazy" src="/assets/guides/img/a.png">' in rendered.html
    assert '<img alt="b" loading="lazy" src="https://x.example/b.png">' in rendered.html


def test_article_at_the_root_links_into_folders():
    rendered = render_source("---\ntitle: T\n---\n[x](guides/other.md) ![i](img/a.png)\n", "index.md")
    assert '<a href="/articles/other">x</a>' in rendered.html
    assert 'src="/assets/img/a.png"' in rendered.html


# ------------------------------------------------------------------------------------------ leading H1


def test_leading_h1_becomes_the_title_without_front_matter():
    article, problems = parse_article("# Café guide\n\nIntro text.\n\n## Part\n", "guides/cafe.md")
    assert article is not None
    assert article.title == "Café guide"
    assert any(p.level == "warning" and "using the first heading" in p.message for p in problems)
    rendered = render_article(article, {})
    assert "<h1" not in rendered.html and "Café guide" not in rendered.html
    assert rendered.html.startswith("<p>Intro text.</p>")
    assert rendered.sections[0].heading == "Café guide"
    assert rendered.sections[1].path == ["Café guide", "Part"]


def test_leading_h1_is_removed_when_front_matter_has_a_title():
    article, problems = parse_article("---\ntitle: Real title\nsummary: s\n---\n\n# Old heading\n\nText.\n", "g/a.md")
    assert article is not None and problems == []
    assert article.title == "Real title"
    rendered = render_article(article, {})
    assert rendered.html == "<p>Text.</p>"
    assert rendered.toc == []


def test_only_a_leading_h1_is_removed():
    article, _ = parse_article("---\ntitle: T\n---\nIntro.\n\n# Not leading\n", "g/a.md")
    rendered = render_article(article, {})
    assert '<h1 id="not-leading">Not leading</h1>' in rendered.html


# ---------------------------------------------------------------------------------------- GitHub alerts


@pytest.mark.parametrize(
    "marker, css_class",
    [("NOTE", "note"), ("note", "note"), ("TIP", "tip"), ("WARNING", "warning"), ("IMPORTANT", "note"),
     ("CAUTION", "danger")],
)  # fmt: skip
def test_github_alerts_become_admonitions(marker, css_class):
    rendered = render_source(f"---\ntitle: T\n---\nBefore.\n> [!{marker}]\n> Body **text**.\n\nAfter.\n", "g/a.md")
    assert f'<div class="admonition {css_class}">' in rendered.html
    assert "<p>Body <strong>text</strong>.</p>" in rendered.html
    assert "[!" not in rendered.html
    assert rendered.html.endswith("<p>After.</p>")


def test_blockquote_with_marker_text_later_is_not_an_alert():
    rendered = render_source("---\ntitle: T\n---\n> Quote with [!NOTE] inside.\n", "g/a.md")
    assert "<blockquote>" in rendered.html and "admonition" not in rendered.html


def test_email_autolink_is_a_mailto_link_not_a_reference():
    rendered = render_source("---\ntitle: T\n---\nWrite to <help@example.com>.\n", "guides/t.md")
    assert rendered.references == []
    assert "/assets/" not in rendered.html
    assert 'href="mailto:help@example.com"' in html_unescape(rendered.html)


# ------------------------------------------------------------------------------ code blocks and tables


def test_code_blocks_and_tables_are_named_regions_the_keyboard_reaches():
    """They scroll sideways inside themselves on a phone, so each needs a tab stop (and a name to announce)."""
    source = "---\ntitle: T\n---\n```\nkb index\n```\n\n    indented\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    rendered = render_source(source, "g/a.md")
    code_region = '<pre tabindex="0" role="region" aria-label="Code sample">'
    assert rendered.html.count(code_region) == 2
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Table"><table>' in rendered.html
    assert rendered.html.count("</table></div>") == 1
    assert [s.text for s in rendered.sections] == ["kb index\nindented\na\nb\n1\n2"]  # the wrapper adds no text


def test_authors_cannot_set_the_region_attributes_themselves():
    raw = '<pre tabindex="-1" role="presentation" aria-label="x">raw</pre>\n\n<table><tr><td>c</td></tr></table>'
    source = f"---\ntitle: T\n---\n{raw}\n"
    rendered = render_source(source, "g/a.md")
    assert '<pre tabindex="0" role="region" aria-label="Code sample">raw</pre>' in rendered.html
    assert rendered.html.count('tabindex="') == 2
    assert "<table><tbody><tr><td>c</td></tr></tbody></table></div>" in rendered.html
