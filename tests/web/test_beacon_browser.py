"""The chat beacon in a real browser: a page on another origin embeds it with one script tag.

The host page (served by a second little HTTP server, on another port, so another origin) has hostile CSS; kb
allows that origin with BEACON_ORIGINS and delivers tickets to a local webhook receiver.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from kb.desk import outbox, tickets
from kb.state import state_of
from tests.fixtures.app import make_app, make_config
from tests.fixtures.browser import DESKTOP, MOBILE
from tests.fixtures.capacity import AtCapacity
from tests.fixtures.servers import HostSite, LiveServer, WebhookReceiver

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/beacon-shots")  # screenshots for a human to look at; never inside the repository
RED, FORTY = "rgb(255, 0, 0)", "40px"

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme: billing</title>
<style>
  * {{ color: red !important; font-size: 40px !important; font-family: serif !important; }}
  button {{ display: none !important; }}
  div, p, ul, li, h2 {{ margin: 3px; padding: 0; }}
  .host-note {{ color: rgb(0, 128, 0) !important; }}
</style></head>
<body>
  <h1>Acme billing</h1>
  <p class="host-note">Our own text, in our own style.</p>
  <button id="host-button">Pay now</button>
  <h2 class="hint">A host heading</h2>
  <ul class="panel"><li class="b">A host list item</li></ul>
  <script src="{script}" {attributes} defer></script>
</body></html>
"""
# A host site with a strict Content-Security-Policy that allows kb's origin and nothing inline.
STRICT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strict</title>
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src {kb}; connect-src {kb}; style-src 'self'; img-src {kb} data:">
</head><body><h1>Strict host</h1><script src="{script}" defer></script></body></html>
"""
ATTRIBUTES = 'data-color="#0f766e" data-greeting="Hi! How can Acme help?" data-position="left"'


@pytest.fixture(scope="module")
def host():
    site = HostSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def webhook():
    hook = WebhookReceiver()
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def app(built_data_dir, tmp_path_factory, host, webhook):
    database = tmp_path_factory.mktemp("beacon") / "kb.sqlite3"
    config = make_config(
        built_data_dir, BEACON_ORIGINS=host.origin, TICKET_WEBHOOK_URL=webhook.url, DATABASE_URL=f"sqlite:///{database}"
    )
    app = make_app(config)
    yield app
    state_of(app).engine.dispose()


@pytest.fixture(scope="module")
def kb(app, host):
    """kb over real HTTP, and the host pages that embed its beacon."""
    with LiveServer(app) as server:
        script = server.url + "/beacon.js"
        host.pages["/billing/index.html"] = HOST_PAGE.format(script=script, attributes=ATTRIBUTES)
        host.pages["/plain.html"] = HOST_PAGE.format(script=script, attributes='data-color="red;background:url(x)"')
        host.pages["/strict.html"] = STRICT_PAGE.format(script=script, kb=server.url)
        yield server


@pytest.fixture
def open_page(open_page, kb):
    """conftest's ``open_page``, once kb and the host pages are up."""
    return open_page


@pytest.fixture
def page(open_page, host) -> Page:
    """The billing page of the host site, its beacon loaded (not opened)."""
    page = open_page()
    page.goto(host.origin + "/billing/index.html")
    expect(launcher_of(page)).to_be_visible()
    return page


def launcher_of(page: Page) -> Locator:
    return page.get_by_role("button", name="Help", exact=True)


def dialog_of(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Help")


def open_beacon(page: Page) -> Locator:
    launcher_of(page).click()
    dialog = dialog_of(page)
    expect(dialog).to_be_visible()
    return dialog


def suggestions_of(dialog: Locator) -> Locator:
    return dialog.get_by_role("list", name="Suggested articles").get_by_role("listitem")


def shadow_active(page: Page) -> str:
    """What has focus inside the beacon: its tag and text or id ('' when focus is not in the beacon)."""
    return page.evaluate(
        """() => {
            const root = document.querySelector('[data-kb-beacon]').shadowRoot;
            const e = root.activeElement;
            if (!e || document.activeElement !== root.host) return '';
            return e.closest('.panel') ? 'panel:' + (e.id || e.textContent.trim()) : 'outside:' + e.className;
        }"""
    )


def test_page_url_suggestions_before_typing(page: Page):
    dialog = open_beacon(page)
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog.get_by_text("Hi! How can Acme help?")).to_be_visible()  # data-greeting
    expect(dialog.get_by_text("Suggested for you")).to_be_visible()
    expect(suggestions_of(dialog)).to_have_count(1)
    expect(suggestions_of(dialog).first).to_contain_text("Download invoices")  # suggest_for: ["/billing/*"]
    expect(dialog.get_by_label("Ask a question")).to_be_focused()
    assert not page.errors


def test_typing_suggests_and_the_article_opens_in_the_panel(page: Page):
    suggest_calls = []
    page.on("request", lambda r: suggest_calls.append(r) if r.url.endswith("/api/v1/suggest") else None)
    dialog = open_beacon(page)
    expect(suggestions_of(dialog).first).to_contain_text("Download invoices")
    box = dialog.get_by_label("Ask a question")
    question = "how do I reset my password"
    with page.expect_response(lambda r: r.url.endswith("/api/v1/suggest") and question in r.request.post_data):
        box.press_sequentially(question, delay=25)
    expect(dialog.get_by_text("Suggested articles")).to_be_visible()
    expect(suggestions_of(dialog).first).to_contain_text("Reset your password")
    # Debounced: far fewer requests than keystrokes (the page's own request, then one or two while typing).
    assert len(suggest_calls) <= 6, [c.post_data for c in suggest_calls]

    dialog.get_by_role("button", name=re.compile("^Reset your password")).click()
    expect(dialog.get_by_role("heading", name="Reset your password", level=2)).to_be_visible()
    expect(dialog.get_by_role("heading", name="Choose a new password")).to_be_visible()  # the article's own HTML
    expect(dialog.get_by_text("Did this answer your question?")).to_be_visible()
    article_html = dialog.locator(".art")
    expect(article_html.get_by_role("heading", name="Request a reset link")).to_be_visible()
    assert article_html.evaluate("e => getComputedStyle(e).color") != RED

    dialog.get_by_role("button", name="Yes").click()
    expect(dialog.get_by_text("Great, glad it helped!")).to_be_focused()
    dialog.get_by_role("button", name="‹ Back").click()
    expect(box).to_have_value(question)
    expect(suggestions_of(dialog).first).to_contain_text("Reset your password")
    assert not page.errors


def test_a_busy_server_is_asked_again_as_its_retry_after_says(page: Page, app):
    dialog = open_beacon(page)
    expect(suggestions_of(dialog).first).to_contain_text("Download invoices")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/api/v1/suggest") else None)
    with AtCapacity(app) as busy:
        with page.expect_response(lambda r: r.url.endswith("/api/v1/suggest") and r.status == 503) as refused:
            dialog.get_by_label("Ask a question").fill("how do I reset my password")
        headers = refused.value.headers
        assert headers["retry-after"] == "1" and "retry-after" in headers["access-control-expose-headers"].lower()
        expect(suggestions_of(dialog).first).to_contain_text("Download invoices")  # the list stays meanwhile
        busy.release()
        expect(suggestions_of(dialog).first).to_contain_text("Reset your password")  # asked again, once
    assert statuses == [503, 200]
    assert [e for e in page.errors if "status of 503" not in e] == []  # the browser logs the 503 itself


def test_contact_form_stores_and_delivers_a_ticket(page: Page, app, webhook):
    dialog = open_beacon(page)
    # The page rule's suggestion is on screen before the customer types (typing would abort its request).
    expect(suggestions_of(dialog).filter(has_text="Download invoices")).to_be_visible()
    box = dialog.get_by_label("Ask a question")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/suggest") and "password" in r.request.post_data):
        box.fill("I forgot my password")
    dialog.get_by_role("button", name=re.compile("^Reset your password")).click()
    dialog.get_by_role("button", name="No").click()  # it did not answer: on to a person

    expect(dialog.get_by_role("heading", name="Contact us")).to_be_visible()
    message = dialog.get_by_label("How can we help?")
    expect(message).to_have_value("I forgot my password")  # their question starts the message
    expect(dialog.get_by_label("Name")).to_be_focused()
    expect(dialog.get_by_role("list", name="These articles might help")).to_contain_text("Reset your password")

    # The server's 400 is shown next to the fields, and nothing typed is lost.
    dialog.get_by_label("Email").fill("not-an-address")
    dialog.get_by_role("button", name="Send message").click()
    expect(dialog.get_by_text("Name is required.")).to_be_visible()
    expect(dialog.get_by_text("Email is not an e-mail address.")).to_be_visible()
    expect(dialog.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Name")).to_be_focused()
    expect(dialog.get_by_label("Email")).to_have_value("not-an-address")
    expect(message).to_have_value("I forgot my password")

    # A network failure keeps the input and asks to try again.
    dialog.get_by_label("Name").fill("Ada Lovelace")
    dialog.get_by_label("Email").fill("ada@example.com")
    message.fill("I forgot my password and the reset email never came.")
    page.route("**/api/v1/tickets", lambda route: route.abort())
    dialog.get_by_role("button", name="Send message").click()
    expect(dialog.get_by_role("alert")).to_contain_text("try again")
    expect(dialog.get_by_text("Name is required.")).to_be_hidden()
    expect(message).to_have_value("I forgot my password and the reset email never came.")
    page.unroute("**/api/v1/tickets")

    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as answer:
        dialog.get_by_role("button", name="Send message").click()
    assert answer.value.status == 201
    ticket_id = answer.value.json()["id"]
    expect(dialog.get_by_role("heading", name="Thanks! We got your message.")).to_be_focused()
    expect(dialog.get_by_text(f"Your ticket number is #{ticket_id}.")).to_be_visible()

    with app.app_context():
        ticket = tickets.get(ticket_id)
    assert ticket["source"] == "beacon"
    assert ticket["name"] == "Ada Lovelace" and ticket["email"] == "ada@example.com"
    assert ticket["url"].endswith("/billing/index.html")
    assert ticket["subject"] == "I forgot my password"
    assert "invoices" in ticket["shown"] and "reset-password" in ticket["shown"]

    assert outbox.deliver_due(state_of(app).engine, app.config) == 1
    delivered = [r["body"] for r in webhook.received if r["body"]["id"] == ticket_id]
    assert len(delivered) == 1
    assert delivered[0]["source"] == "beacon"
    assert "reset-password" in delivered[0]["suggested_before"]
    # The browser logs the 400 and the aborted request; nothing else went wrong.
    assert not [e for e in page.errors if "status of 400" not in e and "net::ERR_FAILED" not in e], page.errors


def test_host_styles_do_not_leak_in_and_beacon_styles_do_not_leak_out(page: Page):
    dialog = open_beacon(page)
    expect(page.locator("#host-button")).to_be_hidden()  # the hostile CSS is in force on the page
    launcher = launcher_of(page)
    expect(launcher).to_be_visible()  # ...but not on the beacon's buttons
    expect(dialog.get_by_role("button", name="Still need help? Contact us")).to_be_visible()
    for element in (
        dialog.get_by_text("Ask a question"),
        suggestions_of(dialog).first,
        dialog.get_by_label("Ask a question"),
    ):
        style = element.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).fontSize]")
        assert style[0] != RED and style[1] != FORTY, style
        assert element.evaluate("e => getComputedStyle(e).fontFamily") != "serif"
    # data-color and data-position
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(15, 118, 110)"
    assert launcher.bounding_box()["x"] < DESKTOP["width"] / 2
    assert dialog.bounding_box()["x"] < DESKTOP["width"] / 2

    # The beacon's rules (h2, ul, li, .hint, .panel, .b ...) do not reach the page's own elements.
    host = page.evaluate(
        """() => {
            const s = (q) => getComputedStyle(document.querySelector(q));
            return {note: s('.host-note').color, h2: s('h2.hint').fontSize, ul: s('ul.panel').listStyleType,
                    ulPosition: s('ul.panel').position, li: s('li.b').borderTopStyle, body: s('body').fontFamily};
        }"""
    )
    assert host == {
        "note": "rgb(0, 128, 0)",
        "h2": FORTY,
        "ul": "disc",
        "ulPosition": "static",
        "li": "none",
        "body": "serif",
    }
    assert not page.errors


def test_invalid_colour_falls_back_to_the_default(open_page, host):
    page = open_page()
    page.goto(host.origin + "/plain.html")
    launcher = launcher_of(page)
    expect(launcher).to_be_visible()
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(37, 99, 235)"
    assert launcher.bounding_box()["x"] > DESKTOP["width"] / 2  # right by default
    expect(open_beacon(page).get_by_text("Hi! How can we help?")).to_be_visible()


def test_the_beacon_works_under_a_strict_host_csp(open_page, host):
    page = open_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(host.origin + "/strict.html")
    launcher = launcher_of(page)
    assert launcher.evaluate("e => getComputedStyle(e).position") == "fixed"  # its styles applied
    dialog = open_beacon(page)
    dialog.get_by_label("Ask a question").press_sequentially("how do I reset my password", delay=10)
    expect(suggestions_of(dialog).first).to_contain_text("Reset your password")
    assert violations == [] and not page.errors


def test_keyboard_focus_trap_and_escape(page: Page):
    launcher = launcher_of(page)
    launcher.focus()
    page.keyboard.press("Enter")
    dialog = dialog_of(page)
    expect(dialog).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_label("Ask a question")).to_be_focused()
    expect(suggestions_of(dialog)).to_have_count(1)

    seen = set()
    for _ in range(8):  # more presses than the panel has stops: Tab must wrap around inside it
        page.keyboard.press("Tab")
        where = shadow_active(page)
        assert where.startswith("panel:"), f"Tab left the panel: {where!r}"
        seen.add(where)
    assert {"panel:Close help", "panel:×", "panel:kb-q"} & seen and len(seen) >= 3, seen
    for _ in range(8):
        page.keyboard.press("Shift+Tab")
        assert shadow_active(page).startswith("panel:")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_js_api_search_and_suggest(page: Page):
    aborted = []
    page.on("requestfailed", lambda r: aborted.append(r.post_data) if r.url.endswith("/api/v1/suggest") else None)
    page.evaluate("KB.search('how do I reset my password'); KB.search('invoice')")  # the first is superseded
    dialog = dialog_of(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Ask a question")).to_have_value("invoice")
    expect(suggestions_of(dialog).first).to_contain_text("Download invoices")
    expect(dialog.get_by_text("Suggested articles")).to_be_visible()
    expect(suggestions_of(dialog).filter(has_text="Reset your password")).to_have_count(0)
    assert any("reset my password" in body for body in aborted), aborted  # cancelled, not just ignored

    page.evaluate("KB.close()")
    expect(dialog).to_be_hidden()
    page.evaluate("KB.suggest(['two-factor-authentication', 'no-such-article'])")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Ask a question")).to_have_value("")
    expect(suggestions_of(dialog)).to_have_count(1)
    expect(suggestions_of(dialog).first).to_contain_text("Two-factor authentication")
    suggestions_of(dialog).first.get_by_role("button").click()
    expect(dialog.get_by_role("heading", name="Two-factor authentication", level=2)).to_be_visible()
    page.evaluate("KB.close(); KB.open()")
    expect(dialog.get_by_role("heading", name="Two-factor authentication", level=2)).to_be_focused()


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_screenshots_and_mobile_full_screen(open_page, host, name, viewport):
    """Saves the open beacon on the hostile host page, to look at; on phones the panel fills the screen."""
    page = open_page(viewport=viewport, is_mobile=name == "mobile", has_touch=name == "mobile")
    page.goto(host.origin + "/billing/index.html")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}-closed.png")
    dialog = open_beacon(page)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/suggest") and "password" in r.request.post_data):
        dialog.get_by_label("Ask a question").fill("reset my password")
    expect(suggestions_of(dialog).first).to_contain_text("Reset your password")
    page.screenshot(path=SHOTS / f"{name}-open.png")
    dialog.get_by_role("button", name=re.compile("^Reset your password")).click()
    expect(dialog.get_by_text("Did this answer your question?")).to_be_visible()
    page.screenshot(path=SHOTS / f"{name}-article.png")
    dialog.get_by_role("button", name="No").click()
    expect(dialog.get_by_role("heading", name="Contact us")).to_be_visible()
    page.screenshot(path=SHOTS / f"{name}-contact.png")
    box = dialog.bounding_box()
    if name == "mobile":
        assert box == {"x": 0, "y": 0, "width": MOBILE["width"], "height": MOBILE["height"]}
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    else:
        assert box["width"] < 400 and box["y"] > 0
    assert not page.errors
