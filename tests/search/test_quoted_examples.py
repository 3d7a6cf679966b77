"""Code counts less than prose: an article quoting example queries in code ranks below the articles about what
they ask, and a name written only in code still finds its article."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import query

from kb.content.articles import parse_article
from kb.content.render import render_article
from kb.index.build import build_index
from kb.index.layout import BuildFolder, current_build_dir, index_root
from search import fulltext, lexical
from search.documents import field_texts, section_docs
from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.model import FakeEncoder

ARTICLES = {
    "help/search-tips.md": """---
title: Search tips
summary: How to search the help center.
---
Search the way you talk.

## Type a few words

Both work:

- `reset password`
- `change email address`
- `invoice download`

Word endings don't matter.

## Search from the command line

```bash
kb search "reset password"
kb search "change email address" --limit 3
```
""",
    "account/signing-in.md": """---
title: Signing in
summary: What to do when you cannot sign in.
---
You sign in with your email address and the password you chose.

## Forgotten details

Choose **Forgot password** on the sign-in page and enter your email address. We send you a link that lets you
reset the password. The link works for 30 minutes, and the old password stops working once you choose a new one.

## Locked out after too many tries

Wait ten minutes, then try again or contact support.
""",
    "account/profile.md": """---
title: Your profile
summary: Your name, photo and contact details.
---
Everything others see about you.

## Contact details

Open **Profile** to change your email address: confirm the change from the message we send to the new address.
""",
    "billing/payments.md": """---
title: Billing
summary: Payments, plans and the documents they make.
---
Every payment makes a document for your records.

## Monthly documents

Every month we make an invoice of each payment. Open **Billing**, pick the month and choose **Download** to save
it as a PDF for your accountant.
""",
    "setup/mail.md": """---
title: Sending mail
summary: How kb sends its messages.
---
kb sends its messages through your mail server.

## The sender

Set `KB_MAIL_SENDER` to the address customers see, for example `help@example.com`.
""",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A help center of the articles above, indexed: the folder holding ``articles/`` and ``data/``."""
    root = tmp_path_factory.mktemp("quoted")
    for name, text in ARTICLES.items():
        path = root / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    build_index(root / "articles", root / "data", encoder=FakeEncoder())
    return root


@pytest.fixture(scope="module")
def client(site):
    database = f"sqlite:///{site / 'kb.sqlite3'}"
    app = make_app(make_config(site / "data", ARTICLES_DIR=str(site / "articles"), DATABASE_URL=database))
    yield app.test_client()
    shut_down(app)


def ranked_slugs(client, q: str) -> list[str]:
    payload = client.get("/api/v1/search", query_string={"q": q, "mode": "fulltext"}).get_json()
    return [r["slug"] for r in payload["results"]]


@pytest.mark.parametrize(
    "query, answer",
    [
        ("reset password", "signing-in"),
        ("change email address", "profile"),
        ("invoice download", "payments"),
    ],
)
def test_the_article_about_a_question_outranks_one_quoting_it_as_an_example(client, query, answer):
    slugs = ranked_slugs(client, query)
    assert "search-tips" in slugs, "the quoted example is still found"
    assert slugs.index(answer) < slugs.index("search-tips")


@pytest.mark.parametrize("ranker", ["whoosh", "bm25f arrays"])
def test_both_rankers_count_code_less_than_prose(site, ranker):
    parts = BuildFolder(current_build_dir(index_root(site / "data")))
    arrays = lexical.LexicalIndex.load(parts.lexical) if ranker == "bm25f arrays" else None
    with fulltext.open_index(parts.fulltext).searcher(weighting=fulltext.weighting()) as searcher:
        hits = fulltext.search(searcher, "reset password", lexical=arrays).hits
    slugs = list(dict.fromkeys(hit.slug for hit in hits))
    assert slugs.index("signing-in") < slugs.index("search-tips")


def test_a_name_written_only_in_code_still_finds_its_article(client):
    assert ranked_slugs(client, "KB_MAIL_SENDER")[:1] == ["mail"]


def test_snippets_still_quote_the_code(client):
    results = client.get("/api/v1/search", query_string={"q": "KB_MAIL_SENDER"}).get_json()["results"]
    assert "<mark>KB_MAIL_SENDER</mark>" in results[0]["snippet"]


def test_the_body_holds_the_prose_and_the_code_field_the_code():
    article, problems = parse_article(ARTICLES["setup/mail.md"], "setup/mail.md")
    assert article is not None, problems
    sections = render_article(article, {}).sections
    (doc,) = [
        d
        for d in section_docs(
            slug="mail",
            title=article.title,
            category="setup",
            status="published",
            summary=article.summary,
            tags=article.tags,
            sections=sections,
        )
        if d.anchor
    ]
    assert doc.text == "Set KB_MAIL_SENDER to the address customers see, for example help@example.com."
    texts = field_texts(doc)
    assert texts["body"].split() == "Set to the address customers see, for example .".split()
    assert texts["code"] == "KB_MAIL_SENDER\nhelp@example.com"


def test_an_edit_that_only_makes_words_code_is_indexed_again(tmp_path):
    article = tmp_path / "articles" / "setup" / "mail.md"
    article.parent.mkdir(parents=True)
    article.write_text("---\ntitle: Sending mail\n---\nSet the mail sender in the settings.\n", "utf-8")
    build_index(tmp_path / "articles", tmp_path / "data")
    article.write_text("---\ntitle: Sending mail\n---\nSet the `mail sender` in the settings.\n", "utf-8")
    build_index(tmp_path / "articles", tmp_path / "data")  # the section's text is the same; its code is not

    parts = BuildFolder(current_build_dir(index_root(tmp_path / "data")))
    with fulltext.open_index(parts.fulltext).searcher() as searcher:
        assert len(searcher.search(query.Term("code", "sender"))) == 1
        assert len(searcher.search(query.Term("body", "sender"))) == 0
    assert "sender" in lexical.LexicalIndex.load(parts.lexical).vocab


def test_a_full_text_index_without_the_code_field_is_written_anew(tmp_path):
    from whoosh import index
    from whoosh.fields import ID, TEXT, Schema

    index.create_in(str(tmp_path), Schema(id=ID(unique=True, stored=True), body=TEXT))
    assert not fulltext.exists(tmp_path)  # so an incremental build does not update it in place
    fulltext.write([], tmp_path / "current")
    assert fulltext.exists(tmp_path / "current")
