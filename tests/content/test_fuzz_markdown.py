"""Fuzzing the Markdown pipeline (hypothesis): no Markdown, however odd, may produce HTML outside the sanitizer's
allowlist, and a section's heading is always the text its sanitized heading shows."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.fast import examples
from tests.fixtures.html import assert_safe, heading_texts, render_body

MARKDOWN = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>",
                "[x](javascript:alert(1))",
                "<a href='data:text/html,x'>x</a>",
                "<iframe src=//evil>",
                "<svg onload=alert(1)>",
                "```\n<b>code</b>\n```",
                "> [!NOTE]\n> note",
                "| a | b |\n|---|---|\n| 1 | 2 |",
                "# Heading {#id}",
                "<div style='x'>",
                "!!! warning\n    text",
                "[^1]\n\n[^1]: note",
                "<details open>",
                "&#x3C;script>",
            ]
        ),
    ),
    max_size=12,
).map("\n".join)


@given(MARKDOWN)
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_markdown_produces_unsanitized_html(source):
    rendered = render_body(source)
    assert_safe(rendered.html)
    # Each section's heading is exactly the text of its heading in the sanitized HTML (never the source's markup):
    # plain text, which every page, snippet and the beacon escape when they show it.
    intro, *sections = rendered.sections
    assert intro.heading == "XSS"  # the article's title
    assert [(s.anchor, s.heading) for s in sections] == heading_texts(rendered.html)
