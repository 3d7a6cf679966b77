"""Articles on a phone and to a reader, in a real browser, on the shipped help center (indexed with the fake
encoder): no page wider than the screen, code blocks and tables that scroll inside themselves, the contents before
the body in Tab order and marking the section in view, a Copy button on code, dark mode and print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from kb import auth
from kb.config import SHIPPED_ARTICLES
from kb.content.articles import parse_article
from kb.index.build import build_index
from tests.fixtures.agents import INVOICE_TICKET, PASSWORD
from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.browser import DESKTOP
from tests.fixtures.model import FakeEncoder
from tests.fixtures.servers import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
AGENT_EMAIL = "dana@example.com"
# The articles that were 595-964 px wide on a 390 px phone before code blocks and tables scrolled inside themselves
KNOWN_WIDE = {"quick-start", "chat-beacon", "configuration", "search-api", "markdown-features", "what-is-kb"}
CODE_OR_TABLE = re.compile(r"^\s*(```|~~~|\|.*\|)", re.M)


def shipped_articles_with_code_or_tables() -> list[str]:
    """Slugs of the shipped articles whose Markdown has a fenced code block or a table."""
    slugs = []
    for path in sorted(SHIPPED_ARTICLES.rglob("*.md")):
        text = path.read_text("utf-8")
        article, _ = parse_article(text, path.relative_to(SHIPPED_ARTICLES).as_posix())
        if article is not None and CODE_OR_TABLE.search(article.body):
            slugs.append(article.slug)
    return slugs


@pytest.fixture(scope="session")
def shipped_app(tmp_path_factory):
    """The shipped articles indexed with the fake encoder (no model to load), with the agent Dana."""
    data_dir = tmp_path_factory.mktemp("shipped-fake")
    build_index(SHIPPED_ARTICLES, data_dir, encoder=FakeEncoder())
    config = make_config(
        data_dir, ARTICLES_DIR=str(SHIPPED_ARTICLES), DATABASE_URL=f"sqlite:///{data_dir / 'kb.sqlite3'}"
    )
    app = make_app(config)
    with app.app_context():
        auth.add_agent(AGENT_EMAIL, PASSWORD, name="Dana")
    yield app
    shut_down(app)


@pytest.fixture(scope="session")
def shipped_server(shipped_app):
    with LiveServer(shipped_app) as server:
        yield server


@pytest.fixture
def open_page(open_page, shipped_server):
    """``open_page(**context_options)``: a page of this module's help center in a fresh context (desktop-sized)."""
    return lambda **options: open_page(**{"base_url": shipped_server.url, **options})


def open_phone(open_page, **options) -> Page:
    return open_page(viewport=PHONE, is_mobile=True, has_touch=True, **options)


def widest(page: Page) -> list[str]:
    """What sticks out past the right edge of the screen (for a failure's message)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 8).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px:`
                + ` ${(e.textContent || '').trim().slice(0, 60)}`)"""
    )


def page_width(page: Page) -> int:
    """How wide the page is; a phone widens its layout viewport to fit what overflows, so never under the device."""
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return max(width, inner)


def sign_in(page: Page) -> None:
    page.goto("/agent/sign-in")
    page.get_by_label("Email").fill(AGENT_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tickets")


# ----------------------------------------------------------------------------------------- nothing too wide


def test_the_articles_with_code_or_tables_are_found():
    assert KNOWN_WIDE <= set(shipped_articles_with_code_or_tables())


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_articles_with_code_or_tables_fit_the_screen(open_page, viewport):
    phone = viewport == PHONE
    page = open_page(viewport=viewport, is_mobile=phone, has_touch=phone)
    too_wide = {}
    for slug in shipped_articles_with_code_or_tables():
        page.goto(f"/articles/{slug}")
        if (width := page_width(page)) > viewport["width"]:
            too_wide[slug] = width
    assert too_wide == {}, f"wider than the {viewport['width']} px screen"


def test_wide_code_and_tables_scroll_inside_themselves_and_by_keyboard(open_page):
    page = open_phone(open_page)
    page.goto("/articles/configuration")
    code = page.get_by_role("region", name="Code sample")
    tables = page.get_by_role("region", name="Table")
    assert code.count() == page.locator(".article-body pre").count() > 0
    assert tables.count() == page.locator(".article-body table").count() > 0
    wide = [r for r in code.all() + tables.all() if r.evaluate("e => e.scrollWidth > e.clientWidth")]
    assert wide, "nothing on the page is wider than a phone: the test proves nothing"
    for region in wide:
        assert region.get_attribute("tabindex") == "0"
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
    assert page_width(page) == PHONE["width"]


def test_long_words_wrap_instead_of_widening_the_page(open_page):
    page = open_phone(open_page)
    page.goto("/articles/quick-start")
    page.locator(".article-body p").first.evaluate(
        "p => p.append(' https://help.example.com/a/very/long/address/' + 'that-never-ends-'.repeat(12))"
    )
    page.locator(".article-header h1").evaluate("h => h.append(' ' + 'Supercalifragilistic'.repeat(4))")
    assert page_width(page) == PHONE["width"]


def test_the_ticket_list_fits_a_phone(open_page, shipped_app):
    client = shipped_app.test_client()
    for subject in ["Invoice question", "Cannot sign in after the password reset email never arrived at all"]:
        ticket = {**INVOICE_TICKET, "subject": subject, "email": "ann.marie.lovelace-byron@accounts.example.com"}
        assert client.post("/api/v1/tickets", json=ticket).status_code == 201
    page = open_phone(open_page)
    sign_in(page)
    rows = page.locator(".ticket-list tbody tr")
    expect(rows.first).to_be_visible()
    page.wait_for_load_state("load")  # measured once its stylesheets are in: the page as the agent sees it
    assert page_width(page) == PHONE["width"], widest(page)
    for row in rows.all():
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        expect(row.get_by_role("link")).to_be_visible()
        expect(row.locator(".status")).to_be_visible()


# ----------------------------------------------------------------------------------------- table of contents


def focus_order(page: Page, presses: int = 40) -> list[str]:
    """Where the focus goes, Tab by Tab from the top of the page: "toc", "body" or "other"."""
    where = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        where.append(
            page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.closest('.toc') ? 'toc' : e.closest('.article-body') ? 'body' : 'other'; })()"
            )
        )
    return where


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_contents_come_before_the_body_in_tab_order(open_page, viewport):
    page = open_page(viewport=viewport)
    page.goto("/articles/configuration")
    toc = page.get_by_role("navigation", name="On this page")
    first_link = toc.get_by_role("link").first
    assert first_link.evaluate(
        "a => !!(a.compareDocumentPosition(document.querySelector('.article-body h2'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    toc_box, body_box = toc.bounding_box(), page.locator(".article-body").bounding_box()
    if viewport == DESKTOP:  # in the column beside the title and body, as before
        assert toc_box["x"] >= body_box["x"] + body_box["width"]
        assert toc_box["y"] < body_box["y"]
    else:
        assert toc_box["y"] + toc_box["height"] <= body_box["y"]

    order = focus_order(page)
    assert "toc" in order and "body" in order, order
    assert order.index("toc") < order.index("body"), order


def current_links(page: Page) -> list[str]:
    return page.locator(".toc a[aria-current='true']").all_text_contents()


def scroll_to_section(page: Page, title: str) -> None:
    href = page.locator(".toc").get_by_role("link", name=title, exact=True).get_attribute("href")
    page.locator(f"[id='{href[1:]}']").evaluate("h => h.scrollIntoView()")


def test_scrolling_marks_the_section_in_view(open_page):
    page = open_page()
    page.goto("/articles/configuration")
    expect(page.locator(".toc a[aria-current]")).to_have_count(0)  # the top of the page: no section yet

    for title in ["Tickets", "How to set a setting", "A minimal production setup"]:  # down, up, down
        scroll_to_section(page, title)
        expect(page.locator(".toc a[aria-current='true']")).to_have_text([title])

    page.evaluate("scrollBy(0, 60)")  # its heading scrolls out of view, its long code block fills the window
    page.wait_for_timeout(200)
    expect(page.locator(".toc a[aria-current='true']")).to_have_text(["A minimal production setup"])

    last = page.locator(".toc").get_by_role("link", name="Check your configuration")
    last.click()  # too near the end to reach the top of the window, yet it is the section asked for
    expect(last).to_have_attribute("aria-current", "true")
    assert current_links(page) == ["Check your configuration"]


def test_on_a_phone_the_contents_scroll_away_with_the_page(open_page):
    page = open_phone(open_page)
    page.goto("/articles/configuration")
    scroll_to_section(page, "Storage")
    toc = page.get_by_role("navigation", name="On this page")
    box = toc.bounding_box()
    assert box["y"] + box["height"] <= 0, "the contents stay on screen over the text"


# ----------------------------------------------------------------------------------------- copy buttons


def test_the_copy_button_copies_the_code_by_keyboard(open_page):
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto("/articles/quick-start")
    pres = page.locator(".article-body pre")
    assert page.get_by_role("button", name="Copy").count() == pres.count() > 1
    pre = pres.nth(1)
    pre.focus()
    page.keyboard.press("Shift+Tab")  # the button sits before its code block
    button = pre.locator("xpath=..").get_by_role("button")  # "Copy", then "Copied"
    expect(button).to_be_focused()
    page.keyboard.press("Enter")

    expect(button).to_have_text("Copied")
    expect(page.get_by_role("status").filter(has_text="Copied")).to_have_count(1)
    code = pre.locator("code").text_content().rstrip("\n")
    assert code and "Copy" not in code
    assert page.evaluate("navigator.clipboard.readText()") == code
    expect(button).to_have_text("Copy", timeout=4_000)  # ready for the next one


def test_without_the_clipboard_api_the_copy_button_still_copies(open_page):
    page = open_page()
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined })")
    page.add_init_script("document.addEventListener('copy', e => { window.copiedText = e.target.value; })")
    page.goto("/articles/quick-start")
    pre = page.locator(".article-body pre").first
    button = pre.locator("xpath=..").get_by_role("button")  # "Copy", then "Copied"
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_text("Copied")
    assert page.evaluate("window.copiedText") == pre.locator("code").text_content().rstrip("\n")
    expect(button).to_be_focused()  # the hidden textarea it copied from gave the focus back


# ----------------------------------------------------------------------------------------- dark mode

# [text colour, background colour] of an element as rgb, the background being the first one that is not transparent
COLOURS = """e => {
  const ctx = document.createElement("canvas").getContext("2d");
  const rgba = css => {
    ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1);
    return Array.from(ctx.getImageData(0, 0, 1, 1).data);
  };
  let back = e;
  while (back.parentElement && rgba(getComputedStyle(back).backgroundColor)[3] === 0) back = back.parentElement;
  return [rgba(getComputedStyle(e).color).slice(0, 3), rgba(getComputedStyle(back).backgroundColor).slice(0, 3)];
}"""


def luminance(rgb: list[int]) -> float:
    """WCAG's relative luminance of an sRGB colour (0 black ... 1 white)."""
    srgb = [v / 255 for v in rgb]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(element: Locator) -> float:
    """WCAG's contrast ratio of ``element``'s text against its background (1 ... 21)."""
    text, background = element.evaluate(COLOURS)
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_dark_mode_follows_the_reader_and_keeps_text_readable(open_page):
    page = open_page()
    page.emulate_media(color_scheme="dark")
    page.goto("/articles/configuration")
    text, background = page.locator("body").evaluate(COLOURS)
    assert luminance(background) < 0.02 and luminance(text) > 0.7, (text, background)

    samples = {
        "body text": ".article-body p",
        "lead": ".lead",
        "date": ".meta",
        "link": ".article-body p a",
        "contents link": ".toc a",
        "inline code": ".article-body p code",
        "table header": ".article-body th",
        "copy button": ".copy-button",
        "feedback button": ".button-secondary",
    }
    for name, selector in samples.items():
        assert contrast(page.locator(selector).first) >= 4.5, name
    tokens = page.locator(".article-body .highlight pre span[class]")
    assert tokens.count() > 10
    for token in tokens.all()[:60]:
        if token.evaluate("e => e.textContent.trim() !== ''"):
            assert contrast(token) >= 4.5, token.evaluate("e => e.className + ': ' + e.textContent")


def test_dark_mode_search_dropdown_and_highlights(open_page):
    page = open_page()
    page.emulate_media(color_scheme="dark")
    page.goto("/search?q=configuration")
    marks = page.locator(".result-snippet mark")
    expect(marks.first).to_be_visible()
    assert contrast(marks.first) >= 4.5

    page.get_by_role("combobox").first.fill("gunicorn")
    option = page.get_by_role("listbox").get_by_role("option").first
    expect(option).to_be_visible()
    _, dropdown = page.locator(".search-suggestions").first.evaluate(COLOURS)
    assert luminance(dropdown) < 0.02
    assert contrast(option) >= 4.5  # an option is text, no link (tests/web/test_a11y_dropdown_browser.py)


def test_dark_mode_ticket_status_badges_are_readable(open_page, shipped_app):
    assert shipped_app.test_client().post("/api/v1/tickets", json=INVOICE_TICKET).status_code == 201
    page = open_page(color_scheme="dark")
    sign_in(page)
    status = page.locator(".ticket-list .status").first
    expect(status).to_be_visible()
    assert contrast(status) >= 4.5
    assert contrast(page.locator(".ticket-list a").first) >= 4.5


# ----------------------------------------------------------------------------------------- print


def pdf_title(pdf: bytes) -> str:
    """The document title Chromium writes into a PDF's metadata (UTF-16 in hex, or a plain string)."""
    match = re.search(rb"/Title\s*(?:<FEFF([0-9A-Fa-f]*)>|\(([^)]*)\))", pdf)
    assert match, "the PDF has no title"
    return bytes.fromhex(match.group(1).decode()).decode("utf-16-be") if match.group(1) else match.group(2).decode()


def test_printing_an_article_prints_the_article_alone(open_page, tmp_path: Path):
    page = open_page()
    page.goto("/articles/quick-start")
    title = page.locator("h1").text_content()
    page.emulate_media(media="print")

    for selector in [".site-header", ".toc", "#feedback", ".related", ".prev-next", ".site-footer", ".breadcrumbs"]:
        expect(page.locator(selector)).to_have_count(1)
        expect(page.locator(selector)).to_be_hidden()
    buttons = page.locator(".copy-button")
    assert buttons.count() > 0
    assert set(buttons.evaluate_all("bs => bs.map(b => getComputedStyle(b).display)")) == {"none"}
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".article-body")).to_be_visible()

    outside = page.locator(".article-body a[href^='http']").first
    after = outside.evaluate("a => getComputedStyle(a, '::after').content")
    assert "attr(href)" in after or outside.get_attribute("href") in after, after
    inside = page.locator(".article-body a[href^='/']").first
    assert inside.evaluate("a => getComputedStyle(a, '::after').content") == "none"
    code = page.locator(".article-body pre").first
    assert code.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"  # wrapped on paper, not cut off
    assert luminance(code.evaluate(COLOURS)[0]) < 0.05  # black text: paper has no dark background

    pdf = page.pdf(path=str(tmp_path / "article.pdf"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
    assert pdf_title(pdf).startswith(title)
