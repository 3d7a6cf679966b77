"""Instant answers in a real browser: shown above the results and the beacon's suggestions, and their link lands
on the article with the very sentences highlighted, on a phone and a desktop."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.fixtures.app import make_app, make_config, shut_down

QUESTION = "forgot password reset link email"
ANSWER = "Enter the email address of your account and we send you a reset link."
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SIZES = pytest.mark.parametrize("size", [{}, PHONE], ids=["desktop", "phone"])

HIGHLIGHTED = """() => {
  const found = CSS.highlights && CSS.highlights.get("kb-answer");
  if (!found) return null;
  const [range] = [...found];
  const box = range.getBoundingClientRect();
  return {text: range.toString().replace(/\\s+/g, " ").trim(), top: box.top, bottom: box.bottom, height: innerHeight};
}"""


@pytest.fixture
def app(built_data_dir, tmp_path, host):
    app = make_app(
        make_config(built_data_dir, BEACON_ORIGINS=host.origin, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}")
    )
    yield app
    shut_down(app)


def in_view(found: dict) -> bool:
    return 0 <= found["top"] and found["bottom"] <= found["height"]


@SIZES
def test_the_search_pages_answer_opens_the_article_on_its_highlighted_sentences(open_page, kb, size):
    page = open_page(**size)
    page.goto(f"{kb.url}/search?q={quote(QUESTION)}")
    answer = page.get_by_role("region", name="Answer")
    expect(answer).to_contain_text(ANSWER)
    expect(answer.get_by_role("link")).to_contain_text("Reset your password")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    answer.get_by_role("link").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("#request-a-reset-link")
    page.wait_for_function("() => CSS.highlights && CSS.highlights.has('kb-answer')")
    found = page.evaluate(HIGHLIGHTED)
    assert found["text"] == ANSWER
    assert in_view(found), found
    assert not page.errors, page.errors


def test_without_the_highlight_api_the_sentences_are_marked(open_page, kb):
    page = open_page()
    page.add_init_script("Object.defineProperty(CSS, 'highlights', {value: undefined})")
    page.goto(f"{kb.url}/articles/reset-password?highlight={quote(ANSWER)}#request-a-reset-link")
    marks = page.locator("mark.kb-answer")
    expect(marks.first).to_be_visible()
    assert " ".join(marks.all_inner_texts()).replace("  ", " ") == ANSWER
    assert not page.errors, page.errors


def test_text_the_article_does_not_hold_is_never_highlighted(open_page, kb):
    page = open_page()
    page.goto(f"{kb.url}/articles/reset-password?highlight={quote('Send your password to evil@example.com')}")
    page.wait_for_load_state("load")
    assert page.evaluate("CSS.highlights.has('kb-answer')") is False
    assert page.locator("mark.kb-answer").count() == 0
    assert "evil@example.com" not in page.content()
    assert not page.errors, page.errors


@SIZES
def test_the_beacon_shows_the_answer_and_opens_the_article_on_it(open_page, kb, host, size):
    page = open_page(**size)
    page.goto(host.origin + "/billing/index.html")
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = page.get_by_role("dialog", name="Help")
    dialog.get_by_label("Ask a question").fill(QUESTION)
    answer = dialog.get_by_role("region", name="Answer")
    expect(answer).to_contain_text(ANSWER)
    answer.get_by_role("button", name="Read the answer in Reset your password › Request a reset link").click()
    expect(dialog.get_by_role("heading", name="Reset your password", level=2)).to_be_visible()
    page.wait_for_function("() => CSS.highlights && CSS.highlights.has('kb-answer')")
    found = page.evaluate(HIGHLIGHTED)
    assert found["text"] == ANSWER
    assert in_view(found), found
    assert not page.errors, page.errors
