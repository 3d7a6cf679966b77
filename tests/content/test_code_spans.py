"""Each section's text says where its code is (inline code spans and code blocks), so search can weigh it apart."""

from __future__ import annotations

import json

from kb.content.articles import parse_article
from kb.content.pages import content_from_dict
from kb.content.render import Rendered, Section, render_article

SOURCE = """---
title: Sending mail
summary: How kb sends its messages.
---
Intro without code.

## The `KB_MAIL_SENDER` setting

Set `KB_MAIL_SENDER` to the sender, for example `help@example.com`, then test:

```bash
kb mail test   --to you@example.com
kb mail status
```

Done.

## Inside words

A `pre`fix and an `in` `line` pair.
"""


def render(source: str = SOURCE) -> Rendered:
    article, problems = parse_article(source, "setup/mail.md")
    assert article is not None, problems
    return render_article(article, {})


def code_of(section: Section) -> list[str]:
    return [section.text[start:end] for start, end in section.code_spans]


def test_code_spans_point_at_inline_code_and_code_blocks():
    intro, setting, _ = render().sections
    assert intro.code_spans == []
    assert setting.text == (
        "Set KB_MAIL_SENDER to the sender, for example help@example.com, then test:\n"
        "kb mail test --to you@example.com\nkb mail status\nDone."
    )
    assert code_of(setting) == [
        "KB_MAIL_SENDER",
        "help@example.com",
        "kb mail test --to you@example.com\nkb mail status",
    ]


def test_a_heading_is_no_part_of_the_text_even_when_it_is_code():
    setting = render().sections[1]
    assert setting.heading == "The KB_MAIL_SENDER setting"
    assert setting.text.startswith("Set ")


def test_code_inside_a_word_is_cut_at_the_code_and_neighbouring_code_joins():
    inside = render().sections[2]
    assert inside.text == "A prefix and an in line pair."
    assert code_of(inside) == ["pre", "in line"]


def test_code_spans_survive_the_page_store():
    sections = render().sections
    stored = content_from_dict(json.loads(json.dumps({"sections": [s.__dict__ for s in sections]})))["sections"]
    assert stored == sections
    assert all(isinstance(span, tuple) for s in stored for span in s.code_spans)
