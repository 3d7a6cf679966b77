"""Real-browser tests: headless Chromium (Debian's package) driven by Playwright against the live test server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from kb.analytics import events
from tests.fixtures.browser import MOBILE
from tests.fixtures.capacity import AtCapacity

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/kb-shots")  # screenshots for a human to look at; never inside the repository


@pytest.fixture
def open_page(open_page, live_server):
    """``open_page(**context_options)``: a page of this module's help center in a fresh context (desktop-sized)."""
    return lambda **options: open_page(**{"base_url": live_server.url, **options})


@pytest.fixture
def page(open_page) -> Page:
    return open_page()


@pytest.fixture
def mobile_page(open_page) -> Page:
    return open_page(viewport=MOBILE, is_mobile=True, has_touch=True)


def in_viewport(element: Locator) -> bool:
    """Whether the element's top edge lies inside the visible part of the page."""
    return element.evaluate(
        "e => { const top = e.getBoundingClientRect().top; return top >= 0 && top < window.innerHeight; }"
    )


def expect_in_viewport(element: Locator) -> None:
    expect(element).to_be_in_viewport(timeout=2_000)
    assert in_viewport(element), f"the top of {element} is scrolled out of view"


def test_home_to_category_to_article(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("How can we help?")
    cards = page.locator(".category-card")
    expect(cards).to_have_count(3)
    expect(cards.filter(has_text="Your account").locator(".category-count")).to_have_text("2 articles")
    expect(cards.filter(has_text="Billing").locator(".category-count")).to_have_text("1 article")  # not the draft

    cards.filter(has_text="Your account").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/categories/account$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator(".article-list > li > a")).to_have_text(["Reset your password", "Two-factor authentication"])

    page.get_by_role("link", name="Reset your password").click()
    expect(page).to_have_url(re.compile(r"/articles/reset-password$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    crumbs = page.get_by_role("navigation", name="Breadcrumb").get_by_role("listitem")
    expect(crumbs).to_have_text(["Home", "Your account", "Reset your password"])
    toc = page.get_by_role("navigation", name="On this page")
    expect(toc.get_by_role("link")).to_have_text(
        ["Request a reset link", "Choose a new password", "The email never arrived"]
    )
    feedback = page.locator("#feedback")
    expect(feedback.get_by_role("heading")).to_have_text("Was this article helpful?")
    expect(feedback.get_by_role("button", name="Yes")).to_be_visible()
    expect(feedback.get_by_role("button", name="No")).to_be_visible()


def test_toc_links_jump_to_their_headings(open_page):
    page = open_page(viewport={"width": 1280, "height": 420})  # short, so that every jump has to scroll
    page.goto("/articles/two-factor-authentication")
    links = page.get_by_role("navigation", name="On this page").get_by_role("link")
    expect(links).to_have_text(["Turn on 2FA", "Recovery codes", "Recovery codes"])
    anchors = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert anchors == ["#turn-on-2fa", "#recovery-codes", "#recovery-codes_1"]

    for index in [2, 0, 1, 2]:  # down, back up, and between the two same-named headings
        links.nth(index).click()
        anchor = anchors[index]
        expect(page).to_have_url(re.compile(f"{re.escape(anchor)}$"))
        heading = page.locator(f"h2[id='{anchor[1:]}']")
        expect_in_viewport(heading)
        assert heading.evaluate("e => e.matches(':target')")


def test_search_as_you_type_with_keyboard(page: Page, live_server):
    page.goto("/")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_hidden()
    box = type_query(page, "pasword reset")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    first = listbox.get_by_role("option").first
    expect(first).to_contain_text("Reset your password")
    expect(first.get_by_role("link")).to_have_count(0)  # an option is text; Enter or a click opens its data-url
    href = first.get_attribute("data-url")
    assert re.fullmatch(r"/articles/reset-password#[\w-]+", href), href

    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("Enter")
    expect(page).to_have_url(live_server.url + href)
    expect_in_viewport(page.locator(f"h2[id='{href.split('#')[1]}']"))


def test_search_as_you_type_keeps_its_list_and_asks_again_when_kb_is_busy(page: Page, app):
    page.goto("/")
    listbox = page.get_by_role("listbox")
    box = type_query(page, "invoice")
    expect(listbox.get_by_role("option").first).to_contain_text("invoice", ignore_case=True)
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/api/v1/search" in r.url else None)
    with AtCapacity(app) as busy:
        with page.expect_response(lambda r: "/api/v1/search" in r.url and r.status == 503):
            box.press_sequentially(" password", delay=30)
        expect(listbox).to_be_visible()  # the last answer stays on screen
        busy.release()
        expect(listbox.get_by_role("option").first).to_contain_text("password", ignore_case=True)
    assert statuses[-2:] == [503, 200]


def type_query(page: Page, text: str) -> Locator:
    """Type ``text`` into the page's search box like a person, and wait for the suggestions to answer it."""
    box = page.get_by_role("combobox", name="Search the help center")
    with page.expect_response(lambda r: "/api/v1/search" in r.url and r.url.endswith("q=" + text.replace(" ", "%20"))):
        box.press_sequentially(text, delay=30)
    return box


def test_enter_without_a_selected_suggestion_submits_the_form(page: Page):
    page.goto("/")
    box = type_query(page, "invoice")
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=invoice$"))
    expect(page.locator(".results > .result").first).to_contain_text("Download invoices")


def test_escape_closes_the_suggestions_and_keeps_the_query(page: Page):
    page.goto("/")
    box = type_query(page, "invoice")
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("invoice", timeout=1_000)


def test_search_works_without_javascript(open_page):
    page = open_page(java_script_enabled=False)
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the help center")
    box.fill("invoices")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=invoices$"))
    expect(page.get_by_role("status")).to_have_text(re.compile(r"\d+ results? for “invoices”"))
    first = page.locator(".results > .result").first
    expect(first.locator(".result-title")).to_contain_text("Download invoices")
    expect(first.locator(".result-snippet mark").first).to_have_text(re.compile("invoices?", re.I))


def test_search_page_shows_no_results_message(page: Page):
    page.goto("/search?q=zzqxv")
    expect(page.locator(".no-results")).to_be_visible()
    expect(page.get_by_role("heading", name="No results for “zzqxv”")).to_be_visible()
    expect(page.locator(".results")).to_have_count(0)


def test_search_page_did_you_mean(page: Page):
    page.goto("/search")
    box = page.get_by_role("combobox", name="Search the help center")
    box.fill("recovry")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=recovry"))
    suggestion = page.locator(".did-you-mean")
    expect(suggestion).to_have_text("Did you mean recovery?")
    suggestion.get_by_role("link", name="recovery").click()
    expect(page).to_have_url(re.compile(r"/search\?q=recovery$"))
    expect(box).to_have_value("recovery")
    expect(page.locator(".did-you-mean")).to_have_count(0)
    first = page.locator(".results > .result").first
    expect(first.locator(".result-title")).to_contain_text("Two-factor authentication")
    expect(first.locator(".result-snippet mark").first).to_have_text(re.compile("recovery", re.I))


def vote_yes(page: Page) -> Locator:
    """Say the article was helpful; returns the flash message that thanks the reader."""
    assert page.locator("#feedback input[name=csrf_token]").get_attribute("value"), "the form has no CSRF token"
    page.locator("#feedback").get_by_role("button", name="Yes").click()
    return page.locator(".flash")


def test_feedback_yes_thanks_the_reader(page: Page, app):
    page.goto("/articles/reset-password")
    thanks = vote_yes(page)
    expect(page).to_have_url(re.compile(r"/articles/reset-password#feedback$"))
    expect(thanks).to_have_text("Thanks for your feedback!")
    with app.app_context():
        assert events.count("helpful", article="reset-password") == 1


def test_feedback_thanks_is_in_view(page: Page):
    page.goto("/articles/reset-password")
    thanks = vote_yes(page)
    expect(thanks).to_have_text("Thanks for your feedback!")
    expect_in_viewport(thanks)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=invoices",
        "/categories/account",
        "/articles/invoices",
        "/articles/two-factor-authentication",
    ],
)
def test_mobile_pages_do_not_scroll_sideways(mobile_page: Page, path):
    mobile_page.goto(path)
    # A mobile browser widens its layout viewport (innerWidth) to fit content that overflows, so compare with the
    # device's width as well as with innerWidth.
    width, inner = mobile_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= min(inner, MOBILE["width"]) + 1, f"{path} is {width}px wide on a {MOBILE['width']}px screen"


@pytest.mark.parametrize("slug", ["reset-password", "two-factor-authentication", "invoices", "unicode-guide"])
def test_mobile_article_shows_toc_above_the_body(mobile_page: Page, slug):
    mobile_page.goto(f"/articles/{slug}")
    toc = mobile_page.get_by_role("navigation", name="On this page")
    expect(toc).to_be_visible()
    toc_box, body_box = toc.bounding_box(), mobile_page.locator(".article-body").bounding_box()
    assert toc_box["y"] + toc_box["height"] <= body_box["y"]
    assert toc_box["width"] > MOBILE["width"] / 2, "the table of contents is squeezed into a side column"


@pytest.mark.parametrize(
    "name, path", [("home", "/"), ("article", "/articles/invoices"), ("search", "/search?q=invoices")]
)
def test_desktop_pages_load_cleanly(page: Page, name, path):
    """Every page loads without console errors or failed requests; saves a screenshot to look at."""
    problems = []

    def console(message):
        # The site has no favicon: the browser's own /favicon.ico request 404s, at a moment of its choosing.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            problems.append(f"console error: {message.text} ({message.location['url']})")

    page.on("console", console)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    assert not problems
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_contact_form_suggests_while_typing_and_stores_what_was_shown(page: Page, app):
    from kb.desk import tickets

    page.goto("/contact")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("How can we help?").press_sequentially("Where can I download my invoices?", delay=15)
    suggestions = page.locator("[data-contact-suggestions]")
    expect(suggestions.get_by_role("link", name=re.compile("Download invoices"))).to_be_visible()
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("heading", name="Message sent")).to_be_visible()
    expect(page.get_by_text(re.compile(r"ticket #1"))).to_be_visible()
    with app.app_context():
        stored = tickets.get(1)
    assert stored["source"] == "contact_form" and "invoices" in stored["shown"]
