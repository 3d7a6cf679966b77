"""Accessibility of search as you type and of the agents' status badges, in a real browser (issue 16's axe audit).

The dropdown's options hold no links, buttons or other focusable elements (no interactive control inside another):
a click or Enter opens the result from the option's ``data-url``. Highlighted words and the status badges keep a
WCAG contrast of at least 4.5:1 in the light and in the dark colour scheme.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from kb import auth
from kb.desk import inbox
from tests.fixtures.agents import INVOICE_TICKET
from tests.fixtures.app import make_app, make_config, shut_down

pytestmark = pytest.mark.browser

AGENT_EMAIL, AGENT_PASSWORD = "grace@example.com", "correct horse battery"
AA = 4.5  # WCAG 2 AA, normal-size text
SCHEMES = ["light", "dark"]

# The element's text colour, then its background and its ancestors' up to the first opaque one, as [r, g, b, a]
# (0-255, alpha 0-1). Chromium reports color-mix() results as color(srgb r g b / a), with channels 0-1.
COLOURS_JS = """e => {
  const parse = value => {
    let m = value.match(/^rgba?\\(([^)]+)\\)$/);
    if (m) { const [r, g, b, a = 1] = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [r, g, b, a]; }
    m = value.match(/^color\\(srgb ([^)]+)\\)$/);
    if (m) { const [r, g, b, a = 1] = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number);
             return [r * 255, g * 255, b * 255, a]; }
    throw new Error("unparsed colour " + value);
  };
  const layers = [];
  for (let node = e; node; node = node.parentElement) {
    const layer = parse(getComputedStyle(node).backgroundColor);
    if (layer[3] > 0) layers.push(layer);
    if (layer[3] >= 1) break;
  }
  return { text: parse(getComputedStyle(e).color), layers };
}"""


def composite(top: list[float], bottom: list[float]) -> list[float]:
    """``top`` (which may be translucent) painted over the opaque ``bottom``."""
    alpha = top[3]
    return [top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3)] + [1.0]


def luminance(rgb: list[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour with 0-255 channels."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(element: Locator) -> float:
    """The WCAG contrast ratio of ``element``'s text against what is painted behind it."""
    colours = element.evaluate(COLOURS_JS)
    background = [255.0, 255.0, 255.0, 1.0]  # the canvas under a page with no opaque background
    for layer in reversed(colours["layers"]):
        background = composite(layer, background)
    text = composite(colours["text"], background)
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture
def app(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    with app.app_context():
        auth.add_agent(AGENT_EMAIL, AGENT_PASSWORD, name="Grace Hopper")
    yield app
    shut_down(app)


@pytest.fixture
def open_page(open_page, live_server):
    """``open_page(**context_options)``: a page of this module's help center in a fresh context (desktop-sized)."""
    return lambda **options: open_page(**{"base_url": live_server.url, **options})


def type_query(page: Page, text: str) -> Locator:
    """Type ``text`` into the home page's search box and wait for its options; returns them."""
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the help center")
    with page.expect_response(lambda r: "/api/v1/search" in r.url and r.url.endswith("q=" + text.replace(" ", "%20"))):
        box.press_sequentially(text, delay=30)
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options.first).to_be_visible()
    return options


def test_options_hold_no_interactive_elements(open_page):
    page = open_page()
    options = type_query(page, "password")
    assert options.count() >= 2
    for option in options.all():
        assert option.locator("a, button, input, select, textarea, [tabindex], [href]").count() == 0
        assert option.get_attribute("data-url"), "an option says where it leads"
    expect(options.first).to_contain_text("Reset your password")


def test_clicking_an_option_opens_its_result(open_page, live_server):
    page = open_page()
    option = type_query(page, "password").first
    url = option.get_attribute("data-url")
    assert re.fullmatch(r"/articles/[\w-]+(#[\w-]+)?", url), url
    option.click()
    expect(page).to_have_url(live_server.url + url)


def test_arrow_down_and_enter_open_the_active_option(open_page, live_server):
    page = open_page()
    options = type_query(page, "password")
    box = page.get_by_role("combobox", name="Search the help center")
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(box).to_be_focused()
    url = second.get_attribute("data-url")
    box.press("Enter")
    expect(page).to_have_url(live_server.url + url)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_highlighted_words_in_options_are_readable(open_page, scheme):
    page = open_page()
    page.emulate_media(color_scheme=scheme)
    options = type_query(page, "password")
    page.get_by_role("combobox", name="Search the help center").press("ArrowDown")  # the first one selected
    expect(options.first).to_have_attribute("aria-selected", "true")
    marks = page.get_by_role("listbox").locator("[role=option] mark")
    expect(marks.first).to_be_visible()
    ratios = {f"{i}: {mark.inner_text()}": round(contrast(mark), 2) for i, mark in enumerate(marks.all())}
    assert min(ratios.values()) >= AA, ratios


@pytest.mark.parametrize("scheme", SCHEMES)
def test_agent_status_badges_are_readable(open_page, app, scheme):
    client = app.test_client()
    ids = []
    for status in inbox.STATUSES:
        response = client.post("/api/v1/tickets", json={**INVOICE_TICKET, "subject": f"A ticket {status}"})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
        with app.app_context():
            assert inbox.set_status(ids[-1], status)

    page = open_page()
    page.emulate_media(color_scheme=scheme)
    page.goto("/agent/sign-in")
    page.get_by_label("Email").fill(AGENT_EMAIL)
    page.get_by_label("Password").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tickets", level=1)).to_be_visible()
    page.wait_for_load_state("load")  # the page after sign-in, with its stylesheets in

    badges = page.locator(".ticket-list .status")
    expect(badges).to_have_count(len(ids))
    ratios = {f"list {badge.inner_text()}": round(contrast(badge), 2) for badge in badges.all()}
    for ticket_id in ids:
        page.goto(f"/agent/tickets/{ticket_id}")
        badge = page.locator(".ticket-meta .status")
        expect(badge).to_be_visible()
        ratios[f"ticket {badge.inner_text()}"] = round(contrast(badge), 2)
    assert set(ratios) == {f"{where} {s}" for where in ("list", "ticket") for s in inbox.STATUSES}
    assert min(ratios.values()) >= AA, ratios
