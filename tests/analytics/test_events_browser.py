"""Analytics in a real browser: what customers do shows up on the admin dashboard, and the pages' scripts (the chat
beacon on another site, search-as-you-type) report what they showed and what was opened to /api/v1/events.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from kb import auth
from kb.analytics import events
from kb.db import events as events_table
from kb.desk import tickets
from kb.state import state_of
from tests.fixtures.app import make_app, make_config, shut_down

pytestmark = pytest.mark.browser

ADMIN_EMAIL, ADMIN_PASSWORD = "ada@example.com", "correct horse battery"
NOTHING = "xylophone warranty"  # no article talks about either
MESSAGE = "My invoice PDF will not download, and the password reset email never arrived."


@pytest.fixture
def app(built_data_dir, tmp_path, host):
    config = make_config(
        built_data_dir, BEACON_ORIGINS=host.origin, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    )
    app = make_app(config)
    with app.app_context():
        auth.add_agent(ADMIN_EMAIL, ADMIN_PASSWORD, name="Ada Admin", role="admin")
    yield app
    shut_down(app)


def recorded(app, type_: str, *, at_least: int = 1, timeout: float = 5.0, **where) -> list[dict]:
    """The events of a type (and column values) once there are ``at_least`` of them: sendBeacon is asynchronous."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            events.flush()
            query = sa.select(events_table).where(events_table.c.type == type_).order_by(events_table.c.id)
            for column, value in where.items():
                query = query.where(events_table.c[column] == value)
            with state_of(app).engine.connect() as conn:
                rows = [dict(row._mapping) for row in conn.execute(query)]
        if len(rows) >= at_least or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_a_failed_search_and_a_not_helpful_vote_show_on_the_dashboard(open_page, kb, app):
    # A customer searches the help center and finds nothing.
    page = open_page(base_url=kb.url)
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the help center").first
    box.fill(NOTHING)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=xylophone\+warranty$"))
    expect(page.get_by_role("heading", name=f"No results for “{NOTHING}”")).to_be_visible()

    # They open an article, find it unhelpful and say why.
    page.goto("/articles/reset-password")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reset your password")
    feedback = page.locator("#feedback")
    feedback.get_by_text("Tell us what was wrong").click()
    feedback.get_by_label("It is unclear").check()
    feedback.get_by_label("Anything else?").fill("Which email address does the link go to?")
    feedback.get_by_role("button", name="Send feedback").click()
    expect(feedback.get_by_role("status")).to_have_text("Thanks, we'll use this to improve the article.")
    assert not page.errors, page.errors

    # An administrator signs in and sees both.
    admin = open_page(base_url=kb.url)
    admin.goto("/agent/sign-in?next=/admin/")
    admin.get_by_label("Email").fill(ADMIN_EMAIL)
    admin.get_by_label("Password").fill(ADMIN_PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    expect(admin).to_have_url(kb.url + "/admin/")
    expect(admin.get_by_role("heading", name="Self-service analytics", level=1)).to_be_visible()
    expect(admin.locator('[data-kpi="no-results"]')).to_have_text("1")
    expect(admin.locator("[data-content-gaps] [data-gap]").filter(has_text=NOTHING)).to_contain_text("1 search")
    row = admin.locator('[data-least-helpful] tr[data-article="reset-password"]')
    expect(row.get_by_role("link")).to_have_text("Reset your password")
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")  # one "No"
    expect(row.locator(".reason")).to_have_text("It is unclear (1)")
    expect(row.locator(".comment")).to_have_text("Which email address does the link go to?")
    assert not admin.errors, admin.errors


def test_the_beacon_and_search_as_you_type_report_what_they_showed_and_what_was_opened(open_page, kb, host, app):
    # The beacon on the customer's site: suggestions that stay on screen, one opened, then a ticket anyway.
    page = open_page()
    page.goto(host.origin + "/billing/index.html")
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = page.get_by_role("dialog", name="Help")
    listed = dialog.get_by_role("list", name="Suggested articles").get_by_role("listitem")
    expect(listed.first).to_contain_text("Download invoices")  # the page's own suggestions, before typing
    dialog.get_by_label("Ask a question").press_sequentially("reset my password", delay=20)
    expect(listed.first).to_contain_text("Reset your password")

    shown = recorded(app, "suggestion_shown", surface="beacon", query="reset my password")
    assert len(shown) == 1, shown  # once the list settled, not once per keystroke
    session = shown[0]["session"]
    assert session and shown[0]["data"]["articles"][0] == "reset-password"

    dialog.get_by_role("button", name=re.compile("^Reset your password")).click()
    expect(dialog.get_by_role("heading", name="Reset your password", level=2)).to_be_visible()
    [clicked] = recorded(app, "suggestion_clicked", surface="beacon")
    assert (clicked["session"], clicked["article"], clicked["position"]) == (session, "reset-password", 1)
    assert clicked["query"] == "reset my password"

    dialog.get_by_role("button", name="No").click()  # did not answer it: write to a person
    dialog.get_by_label("Name").fill("Ada Lovelace")
    dialog.get_by_label("Email").fill("ada@example.com")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as answer:
        dialog.get_by_role("button", name="Send message").click()
    assert answer.value.status == 201
    [ticket] = recorded(app, "ticket_submitted", surface="beacon")
    assert ticket["session"] == session  # the same conversation: not deflected
    assert not page.errors, page.errors

    # Search as you type in the help center: the dropdown's requests are not searches; opening a result is.
    help_center = open_page(base_url=kb.url)
    help_center.goto("/")
    box = help_center.get_by_role("combobox", name="Search the help center").first
    box.press_sequentially("password", delay=20)
    option = help_center.get_by_role("option").first
    expect(option).to_contain_text("Reset your password")
    option.click()
    expect(help_center.get_by_role("heading", level=1)).to_contain_text("Reset your password")
    [click] = recorded(app, "search_click", surface="help_center")
    assert (click["query"], click["article"], click["position"]) == ("password", "reset-password", 1)
    [search] = recorded(app, "search")
    assert (search["surface"], search["query"]) == ("help_center", "password") and search["results"] >= 1
    assert search["data"]["confident"] is True  # what the dropdown showed, as /api/v1/search said it

    # The /search page (whose search the server records): a result opened, with its place in the list.
    help_center.goto("/search?q=invoice+pdf")
    results = help_center.locator("[data-results] a[data-slug]")
    expect(results.first).to_be_visible()
    results.first.click()
    expect(help_center).to_have_url(re.compile(r"/articles/"))
    [click] = recorded(app, "search_click", query="invoice pdf")
    assert (click["surface"], click["position"]) == ("help_center", 1) and click["article"]
    assert not help_center.errors, help_center.errors


def test_the_contact_form_reports_suggestions_with_its_session(open_page, kb, app):
    page = open_page(base_url=kb.url)
    page.goto("/contact")
    session = page.locator("[data-session]").input_value()
    assert session
    page.get_by_label("Subject").press_sequentially("reset my password", delay=20)
    suggestions = page.locator("[data-contact-suggestions] a[data-slug]")
    expect(suggestions.first).to_contain_text("Reset your password")
    [shown] = recorded(app, "suggestion_shown", surface="contact_form")
    assert shown["session"] == session and shown["data"]["articles"][0] == "reset-password"

    with page.context.expect_page() as opened:  # suggestions open in a new tab: what they wrote stays
        suggestions.first.click()
    opened.value.close()
    [clicked] = recorded(app, "suggestion_clicked", surface="contact_form")
    assert (clicked["session"], clicked["article"], clicked["position"]) == (session, "reset-password", 1)

    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("How can we help?").fill("The reset link never arrives.")
    page.get_by_role("button", name="Send message").click()
    expect(page).to_have_url(kb.url + "/contact/sent")
    [ticket] = recorded(app, "ticket_submitted", surface="contact_form")
    assert ticket["session"] == session
    assert not page.errors, page.errors


def test_an_agent_copying_a_suggestion_counts_as_a_click_at_its_rank(open_page, kb, app):
    with app.app_context():
        ticket = tickets.check({"name": "Ada", "email": "ada@example.com", "subject": "Invoice", "message": MESSAGE})
        ticket_id = tickets.create(ticket, "api", app.config)
    page = open_page(base_url=kb.url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=kb.url)
    page.goto(f"/agent/sign-in?next=/agent/tickets/{ticket_id}")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{kb.url}/agent/tickets/{ticket_id}")
    page.wait_for_load_state("load")  # the buttons are the page's; what they do is agent.js's, run at load
    suggestions = page.locator("[data-suggestion]")
    expect(suggestions.first).to_be_visible()
    slug = suggestions.first.get_attribute("data-suggestion")
    suggestions.first.get_by_role("button", name="Copy link").click()
    expect(suggestions.first.get_by_role("button", name="Link copied")).to_be_visible()
    suggestions.first.get_by_role("button", name="Copy excerpt").click()  # the same suggestion: one click
    expect(suggestions.first.get_by_role("button", name="Excerpt copied")).to_be_visible()
    second = suggestions.nth(1)
    second.get_by_role("button", name="Copy link").click()
    expect(second.get_by_role("button", name="Link copied")).to_be_visible()
    clicked = recorded(app, "suggestion_clicked", surface="agent", at_least=2)
    assert [(c["article"], c["position"]) for c in clicked] == [(slug, 1), (second.get_attribute("data-suggestion"), 2)]
    assert not page.errors, page.errors


def test_a_type_ahead_search_left_without_a_click_still_counts(open_page, kb, app):
    page = open_page(base_url=kb.url)
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the help center").first
    with page.expect_response(
        lambda r: "/api/v1/search" in r.url and parse_qs(urlsplit(r.url).query).get("q") == [NOTHING]
    ):
        box.press_sequentially(NOTHING, delay=10)
    page.wait_for_timeout(1300)  # the customer reads the (empty) dropdown for more than a second...
    page.locator("h1").first.click()  # ...and gives up
    [search] = recorded(app, "search")
    assert (search["surface"], search["query"], search["results"]) == ("help_center", NOTHING, 0)
    assert search["data"]["confident"] is False
    box.click()
    box.press("End")
    box.press_sequentially(" again", delay=10)
    box.press("Enter")  # submitted: /search records it, the page does not report it twice
    expect(page).to_have_url(re.compile(r"/search\?q="))
    assert [s["query"] for s in recorded(app, "search", at_least=3, timeout=1.5)] == [NOTHING, f"{NOTHING} again"]
