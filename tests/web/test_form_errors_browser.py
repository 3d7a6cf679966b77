"""The contact forms as a customer fills them in: an error goes as soon as its field is put right, on /contact and in
the beacon (the server still says what is wrong on Send: a field that is still wrong keeps its error); and on a
phone, /contact's suggestions come before the Send button, not after it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.browser import DESKTOP

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def app(built_data_dir, tmp_path, host):
    """The help center whose beacon ``host`` embeds."""
    config = make_config(
        built_data_dir, BEACON_ORIGINS=host.origin, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    )
    app = make_app(config)
    yield app
    shut_down(app)


def expect_valid(field: Locator, error: Locator) -> None:
    expect(error).to_be_hidden()
    expect(field).not_to_have_attribute("aria-invalid", "true")


def expect_invalid(field: Locator, error: Locator) -> None:
    expect(error).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")


def test_the_contact_pages_errors_go_once_each_field_is_right(open_page, kb):
    page = open_page(base_url=kb.url)
    page.goto("/contact")
    name, email, message = (
        page.get_by_label("Your name"),
        page.get_by_label("Email"),
        page.get_by_label("How can we help?"),
    )
    email.fill("ada@")
    with page.expect_navigation():
        page.get_by_role("button", name="Send message").click()  # the server says what is wrong
    name_error = page.get_by_text("Your name is required.")
    email_error = page.get_by_text("Email is not an e-mail address.")
    message_error = page.get_by_text("Your message is required.")
    for field, error in ((name, name_error), (email, email_error), (message, message_error)):
        expect_invalid(field, error)
    expect(name).to_have_attribute("aria-describedby", "contact-name-error")

    name.fill("   ")  # still nothing the server would take
    expect_invalid(name, name_error)
    name.press_sequentially("Ada", delay=10)
    expect_valid(name, name_error)
    expect(name).not_to_have_attribute("aria-describedby", "contact-name-error")

    email.fill("ada@example")  # not an address yet
    expect_invalid(email, email_error)
    email.fill("ada@example.com")
    expect_valid(email, email_error)
    expect_invalid(message, message_error)  # each field on its own

    message.fill("The reset link never arrives.")
    expect_valid(message, message_error)
    page.get_by_role("button", name="Send message").click()
    expect(page).to_have_url(kb.url + "/contact/sent")
    assert not [e for e in page.errors if "status of 400" not in e], page.errors


def beacon_form(page: Page, host) -> Locator:
    """The beacon's contact form on the host's billing page, sent once empty but for a bad e-mail address."""
    page.goto(host.origin + "/billing/index.html")
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = page.get_by_role("dialog", name="Help")
    expect(dialog.get_by_text("Suggested for you")).to_be_visible()  # the page's own request has answered
    dialog.get_by_role("button", name="Still need help? Contact us").click()
    dialog.get_by_label("Email").fill("not-an-address")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as answer:
        dialog.get_by_role("button", name="Send message").click()
    assert answer.value.status == 400
    return dialog


def test_the_beacons_errors_go_once_each_field_is_right(open_page, kb, host):
    page = open_page()
    dialog = beacon_form(page, host)
    name, email, message = (
        dialog.get_by_label("Name"),
        dialog.get_by_label("Email"),
        dialog.get_by_label("How can we help?"),
    )
    name_error, email_error = (
        dialog.get_by_text("Name is required."),
        dialog.get_by_text("Email is not an e-mail address."),
    )
    message_error = dialog.get_by_text("Message is required.")
    for field, error in ((name, name_error), (email, email_error), (message, message_error)):
        expect_invalid(field, error)

    email.fill("ada@example")  # still not an address
    expect_invalid(email, email_error)
    email.fill("ada@example.com")
    expect_valid(email, email_error)
    expect_invalid(name, name_error)  # each field on its own

    name.press_sequentially("Ada", delay=10)
    expect_valid(name, name_error)
    message.press_sequentially("My invoice PDF will not download.", delay=5)
    expect_valid(message, message_error)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as answer:
        dialog.get_by_role("button", name="Send message").click()
    assert answer.value.status == 201
    expect(dialog.get_by_role("heading", name="Thanks! We got your message.")).to_be_visible()
    assert not [e for e in page.errors if "status of 400" not in e], page.errors


def boxes_once_suggested(page: Page) -> dict:
    """/contact's message field, suggestions panel and Send button, once the customer's question is answered."""
    page.goto("/contact")
    page.get_by_label("How can we help?").press_sequentially("Where can I download my invoices?", delay=10)
    panel = page.locator("[data-contact-suggestions]")
    expect(panel.get_by_role("link", name="Download invoices")).to_be_visible()
    parts = {"message": page.get_by_label("How can we help?"), "panel": panel}
    parts["send"] = page.get_by_role("button", name="Send message")
    return {name: part.bounding_box() for name, part in parts.items()}


def test_on_a_phone_the_suggestions_come_between_the_message_and_send(open_page, kb):
    page = open_page(base_url=kb.url, viewport=PHONE, is_mobile=True, has_touch=True)
    box = boxes_once_suggested(page)
    assert box["message"]["y"] + box["message"]["height"] <= box["panel"]["y"] < box["send"]["y"], box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.errors, page.errors


def test_on_a_desktop_the_suggestions_stay_beside_the_form(open_page, kb):
    page = open_page(base_url=kb.url, viewport=DESKTOP)
    box = boxes_once_suggested(page)
    assert box["panel"]["x"] >= box["message"]["x"] + box["message"]["width"], box  # a column of its own
    assert box["panel"]["y"] < box["message"]["y"] and box["send"]["y"] > box["message"]["y"], box
    assert box["send"]["x"] == box["message"]["x"]  # Send under the fields, not under the suggestions
    assert not page.errors, page.errors
