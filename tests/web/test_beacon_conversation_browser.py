"""The chat beacon sends the conversation it holds: once a customer writes a second time (in the contact form
after the question box, or a new question after reading an article), its suggestion requests carry every
customer turn as ``messages``, oldest first, and the suggestions answer the latest turn.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

from tests.fixtures.app import make_app, make_config, shut_down

pytestmark = pytest.mark.browser

PASSWORD = "how do I reset my password"
INVOICES = "Also, where can I download my invoices as PDF?"


@pytest.fixture
def app(built_data_dir, tmp_path, host):
    config = make_config(built_data_dir, BEACON_ORIGINS=host.origin, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.db'}")
    app = make_app(config)
    yield app
    shut_down(app)


@pytest.fixture
def dialog(open_page, kb, host):
    """The beacon opened on the host's billing page, its page-rule suggestion on screen (typing would abort it)."""
    page = open_page()
    page.goto(host.origin + "/billing/index.html")
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = page.get_by_role("dialog", name="Help")
    expect(listed(dialog, "Suggested articles").filter(has_text="Download invoices")).to_be_visible()
    yield dialog
    assert not page.errors, page.errors


def listed(dialog, name: str):
    return dialog.get_by_role("list", name=name).get_by_role("listitem")


def suggest_body(dialog, write) -> dict:
    """The JSON of the suggestion request that ``write()`` makes the beacon send."""
    page: Page = dialog.page

    def is_suggest(request: Request) -> bool:
        return request.url.endswith("/api/v1/suggest") and request.method == "POST"

    with page.expect_request(is_suggest) as sent:
        write()
    body = sent.value.post_data_json
    assert body.pop("locale") == "en"  # every call says the beacon's locale (the host page's, here)
    return body


def customer(*texts: str) -> list[dict]:
    return [{"role": "customer", "text": text} for text in texts]


def test_the_question_and_the_contact_message_go_as_one_conversation(dialog):
    box = dialog.get_by_label("Ask a question")
    assert suggest_body(dialog, lambda: box.fill(PASSWORD)) == {"text": PASSWORD, "limit": 5}  # one text: as before
    expect(listed(dialog, "Suggested articles").first).to_contain_text("Reset your password")

    contact = dialog.get_by_role("button", name="Still need help? Contact us")
    assert suggest_body(dialog, contact.click) == {"text": PASSWORD, "limit": 3}  # the message starts as the question
    message = dialog.get_by_label("How can we help?")
    expect(message).to_have_value(PASSWORD)

    more = f"{PASSWORD}? The reset email never came."  # the same turn, written on: still one text
    assert suggest_body(dialog, lambda: message.fill(more)) == {"text": more, "limit": 3}

    second = suggest_body(dialog, lambda: message.fill(f"  {INVOICES}\n"))
    assert second == {"messages": customer(PASSWORD, INVOICES), "limit": 3}  # oldest first, each trimmed
    expect(listed(dialog, "These articles might help").first).to_contain_text("Download invoices")


def test_a_second_question_after_reading_an_article_carries_the_first(dialog):
    box = dialog.get_by_label("Ask a question")
    assert suggest_body(dialog, lambda: box.fill(PASSWORD)) == {"text": PASSWORD, "limit": 5}
    dialog.get_by_role("button", name=re.compile("^Reset your password")).click()
    expect(dialog.get_by_role("heading", name="Reset your password", level=2)).to_be_visible()
    dialog.get_by_role("button", name="‹ Back").click()
    expect(box).to_have_value(PASSWORD)

    second = suggest_body(dialog, lambda: box.fill(INVOICES))
    assert second == {"messages": customer(PASSWORD, INVOICES), "limit": 5}
    expect(listed(dialog, "Suggested articles").first).to_contain_text("Download invoices")


def ask_and_read(dialog, question: str, article: str) -> dict:
    """Ask ``question`` in the box, open the suggested ``article`` and come back; returns what was sent."""
    body = suggest_body(dialog, lambda: dialog.get_by_label("Ask a question").fill(question))
    title = listed(dialog, "Suggested articles").first
    expect(title).to_contain_text(article)
    title.get_by_role("button").click()
    expect(dialog.get_by_role("heading", name=article, level=2)).to_be_visible()
    dialog.get_by_role("button", name="‹ Back").click()
    return body


def test_a_long_conversation_sends_its_newest_20000_characters(dialog):
    first, second = "invoice " * 1500, "password " * 889  # 11,999 and 8,000 characters once trimmed
    ask_and_read(dialog, first, "Download invoices")
    both = ask_and_read(dialog, second, "Reset your password")
    assert both["messages"] == customer(first.strip(), second.strip())  # 19,999 characters: all of it

    third = suggest_body(dialog, lambda: dialog.get_by_label("Ask a question").fill(PASSWORD))
    assert third["messages"] == customer(second.strip(), PASSWORD)  # the oldest turn no longer fits
