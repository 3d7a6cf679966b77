"""The agent inbox in a real browser, end to end: a customer writes through the chat beacon on another site, an
agent signs in, opens the ticket, sees what to send next (what the customer was already shown ranked with the rest
and marked so), and copies a link.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kb import auth
from kb.desk import tickets
from tests.fixtures.app import make_app, make_config, shut_down

pytestmark = pytest.mark.browser

AGENT_EMAIL, AGENT_PASSWORD = "grace@example.com", "correct horse battery"
QUESTION = "My invoice will not download"
# Four topics: the contact form lists at most three articles while they write, so the customer saw three; the
# agent's suggestions rank those three with the rest and mark them as shown.
MESSAGE = (
    "The invoice PDF still will not download from Billing › Invoices. I cannot sign in to check either: the "
    "password reset email never arrived and my two-factor recovery codes are rejected. "
    "(Also, my café name shows as garbled unicode.)"
)
SEEN = ["Download invoices", "Reset your password", "Two-factor authentication"]


@pytest.fixture
def app(built_data_dir, tmp_path, host):
    config = make_config(
        built_data_dir, BEACON_ORIGINS=host.origin, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    )
    app = make_app(config)
    with app.app_context():
        auth.add_agent(AGENT_EMAIL, AGENT_PASSWORD, name="Grace Hopper")
    yield app
    shut_down(app)


def submit_through_beacon(page: Page, host) -> int:
    """As a customer: ask, read the suggestions, then write to a person. Returns the ticket number."""
    page.goto(host.origin + "/billing/index.html")
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = page.get_by_role("dialog", name="Help")
    home = dialog.get_by_role("list", name="Suggested articles").get_by_role("listitem")
    expect(home.filter(has_text="Download invoices")).to_be_visible()  # the page's suggest_for rule

    with page.expect_response(lambda r: r.url.endswith("/api/v1/suggest") and "invoice" in r.request.post_data):
        dialog.get_by_label("Ask a question").fill(QUESTION)
    expect(dialog.get_by_text("Suggested articles")).to_be_visible()
    expect(home.first).to_contain_text("Download invoices")

    dialog.get_by_role("button", name="Still need help? Contact us").click()
    expect(dialog.get_by_role("heading", name="Contact us")).to_be_visible()
    message = dialog.get_by_label("How can we help?")
    expect(message).to_have_value(QUESTION)
    dialog.get_by_label("Name").fill("Ada Lovelace")
    dialog.get_by_label("Email").fill("ada@example.com")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/suggest") and "password" in r.request.post_data):
        message.fill(MESSAGE)
    # What they see while writing is recorded as shown too: wait until it is on screen, so that it is.
    helping = dialog.get_by_role("list", name="These articles might help").get_by_role("listitem")
    expect(helping).to_have_count(3)
    expect(helping.filter(has_text="Reset your password")).to_be_visible()

    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as answer:
        dialog.get_by_role("button", name="Send message").click()
    assert answer.value.status == 201
    ticket_id = answer.value.json()["id"]
    expect(dialog.get_by_role("heading", name="Thanks! We got your message.")).to_be_focused()
    expect(dialog.get_by_text(f"Your ticket number is #{ticket_id}.")).to_be_visible()
    assert not page.errors, page.errors
    return ticket_id


def test_agent_opens_a_beacon_ticket_and_copies_a_suggested_link(open_page, kb, host, app):
    ticket_id = submit_through_beacon(open_page(), host)
    with app.app_context():
        ticket = tickets.get(ticket_id)
    assert ticket["source"] == "beacon" and ticket["subject"] == QUESTION
    assert ticket["shown"] == ["invoices", "reset-password", "two-factor-authentication"]

    # The agent, in a browser of their own that lets kb use the clipboard.
    page = open_page(base_url=kb.url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=kb.url)
    page.goto("/agent")
    expect(page).to_have_url(re.compile(r"/agent/sign-in\?next=(/|%2F)agent(/|%2F)$"))
    expect(page.get_by_role("heading", name="Agent sign-in")).to_be_visible()
    page.get_by_label("Email").fill(AGENT_EMAIL)
    page.get_by_label("Password").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(kb.url + "/agent/")
    expect(page.get_by_role("heading", name="Tickets", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Agent")).to_contain_text("Grace Hopper")
    row = page.locator(f'tr[data-ticket="{ticket_id}"]')
    expect(row.get_by_role("cell")).to_have_text(
        [str(ticket_id), QUESTION, re.compile("Ada Lovelace"), "beacon", re.compile(r"\d{4}-"), "open"]
    )
    row.get_by_role("link", name=QUESTION).click()

    expect(page).to_have_url(f"{kb.url}/agent/tickets/{ticket_id}")
    expect(page.get_by_role("heading", name=QUESTION, level=1)).to_be_visible()
    expect(page.locator(".ticket-meta")).to_contain_text("via beacon")
    expect(page.locator("[data-ticket-message]")).to_have_text(MESSAGE)
    shown = page.get_by_role("region", name="Already shown to the customer")
    expect(shown).to_contain_text("3 articles were suggested to them before they wrote.")
    expect(shown.locator("[data-shown-list]")).to_have_count(0)  # all three are among the suggestions

    suggestions = page.locator("[data-suggestion]")
    expect(suggestions.first).to_be_visible()
    listed = suggestions.evaluate_all("items => items.map(i => [i.dataset.suggestion, +i.dataset.score])")
    assert [score for _, score in listed] == sorted((score for _, score in listed), reverse=True), listed
    slugs = [slug for slug, _ in listed]
    for seen_slug, title in zip(ticket["shown"], SEEN, strict=True):  # ranked with the rest, and marked
        assert seen_slug in slugs, listed
        seen = page.locator(f'[data-suggestion="{seen_slug}"]')
        expect(seen.get_by_role("heading", level=3)).to_contain_text(title)
        expect(seen.locator("[data-mark]")).to_have_text(["Shown to the customer"])
    for new_slug in set(slugs) - set(ticket["shown"]):
        expect(page.locator(f'[data-suggestion="{new_slug}"] [data-mark]')).to_have_count(0)
    first = suggestions.first  # shown before, and still what answers: it can be sent again
    slug = first.get_attribute("data-suggestion")
    title = first.get_by_role("heading", level=3).get_by_role("link").inner_text().split(" › ")[0]
    expect(first.locator(".why")).to_have_text(re.compile(r"^Why: \w.* · confidence \d+%$"))

    copy = first.get_by_role("button", name="Copy link")
    link = copy.get_attribute("data-copy")
    assert re.fullmatch(rf"{re.escape(kb.url)}/articles/{slug}(#[\w-]+)?", link), link
    assert page.evaluate("window.isSecureContext")  # http://127.0.0.1 counts as secure: the Clipboard API path
    page.wait_for_load_state("load")  # the button's handler is agent.js's, run at load
    copy.click()
    expect(first.get_by_role("button", name="Link copied")).to_be_visible()
    expect(page.locator("[data-copy-status]")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.goto(link)  # the copied link is a page the customer can open
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    page.go_back()

    suggestion = page.locator(f'[data-suggestion="{slug}"]')
    suggestion.get_by_role("button", name="This resolved it").click()
    resolved = page.locator("[data-resolved]")
    marked = re.escape(f"(marked by {AGENT_EMAIL}).")
    expect(resolved).to_contain_text(re.compile(rf"^Resolved by {re.escape(title)} {marked}$"))
    expect(page.get_by_role("status").filter(has_text="Marked as the article")).to_be_visible()
    expect(page.locator(".ticket-meta .status")).to_have_text("answered")
    expect(suggestion.get_by_role("button", name="This resolved it")).to_have_attribute("aria-pressed", "true")
    assert not page.errors, page.errors
