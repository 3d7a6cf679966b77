"""The bilingual help center (English and Brazilian Portuguese, tests/articles_i18n) in a real browser, on a desktop
and on a phone: the language switcher goes to the translation and back and the choice is remembered, Portuguese
search leads to the Portuguese section it found, scrolled into view, the home page follows the browser's language,
and the Portuguese pages with the switcher in the header fit a phone."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import DESKTOP
from tests.fixtures.servers import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])

ENGLISH_TITLE = "Turn on two-factor authentication"
PORTUGUESE_TITLE = "Ative a autenticação em dois fatores"
QUERY = "como redefinir minha senha"


@pytest.fixture
def server(i18n_app):
    """tests/articles_i18n (English and pt-BR, indexed with the fake encoder) served over real HTTP."""
    with LiveServer(i18n_app) as live:
        yield live


@pytest.fixture
def open_at(open_page, server):
    """``open_at(viewport, **context_options)``: a page of the bilingual help center in a fresh context."""

    def open_at(viewport: dict, **options) -> Page:
        phone = viewport == PHONE
        return open_page(base_url=server.url, viewport=viewport, is_mobile=phone, has_touch=phone, **options)

    return open_at


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def fits(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def script_errors(page: Page) -> list[str]:
    return [e for e in page.errors if not e.startswith("Failed to load resource")]


# ----------------------------------------------------------------------------------------- the switcher


@VIEWPORTS
def test_the_switcher_goes_to_the_translation_and_back(open_at, server, viewport):
    page = open_at(viewport)
    page.goto("/articles/two-factor")
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(ENGLISH_TITLE)
    switcher = page.locator("nav.language-switcher")
    expect(switcher).to_be_visible()
    expect(switcher.locator("[aria-current='true']")).to_have_text("English")
    portuguese = switcher.get_by_role("link", name="Português (Brasil)")
    expect(portuguese).to_be_visible()

    portuguese.click()
    page.wait_for_url(server.url + "/pt-br/articles/autenticacao-em-dois-fatores")
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("heading", level=1)).to_have_text(PORTUGUESE_TITLE)
    expect(page.locator(".site-header .header-contact")).to_have_text("Fale conosco")
    expect(page.locator(".site-header .header-contact")).to_have_attribute("href", "/pt-br/contact")
    search = page.get_by_label("Pesquisar na central de ajuda")
    expect(search).to_have_attribute("placeholder", "Pesquise respostas…")
    expect(page.locator(".site-header .search-button")).to_have_text("Pesquisar")
    switcher = page.locator("nav.language-switcher")
    expect(switcher).to_have_attribute("aria-label", "Idioma")
    expect(switcher.locator("[aria-current='true']")).to_have_text("Português (Brasil)")

    page.locator("nav.language-switcher").get_by_role("link", name="English").click()
    page.wait_for_url(server.url + "/articles/two-factor")
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(ENGLISH_TITLE)
    expect(page.locator(".site-header .header-contact")).to_have_text("Contact us")

    page.goto("/")  # English chosen now: the home page stays English
    page.wait_for_load_state("load")
    assert path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert not script_errors(page), page.errors


@VIEWPORTS
def test_after_choosing_portuguese_the_home_page_is_the_portuguese_one(open_at, server, viewport):
    page = open_at(viewport)
    page.goto("/articles/two-factor")
    page.wait_for_load_state("load")
    page.locator("nav.language-switcher").get_by_role("link", name="Português (Brasil)").click()
    page.wait_for_url(server.url + "/pt-br/articles/autenticacao-em-dois-fatores")
    page.wait_for_load_state("load")

    page.goto("/")  # the choice is remembered
    page.wait_for_load_state("load")
    assert path_of(page) == "/pt-br/", page.url
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("main").get_by_role("combobox")).to_have_attribute("placeholder", "Pesquise respostas…")


# ----------------------------------------------------------------------------------------- Portuguese search


@VIEWPORTS
def test_portuguese_search_leads_to_the_section_scrolled_into_view(open_at, server, viewport):
    page = open_at(viewport)
    page.goto("/pt-br/")
    page.wait_for_load_state("load")
    box = page.get_by_role("main").get_by_role("combobox")
    box.fill(QUERY)
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_load_state("load")
    url = urlsplit(page.url)
    assert url.path == "/pt-br/search", page.url
    assert "q=como+redefinir+minha+senha" in url.query or "q=como%20redefinir%20minha%20senha" in url.query
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")

    first = page.locator(".results .result-title").first
    expect(first).to_contain_text("Redefina sua senha")
    with page.expect_navigation():
        first.click()
    page.wait_for_load_state("load")
    url = urlsplit(page.url)
    assert url.path == "/pt-br/articles/reset-password", page.url
    fragment = unquote(url.fragment)
    assert fragment == "redefina-pela-página-de-entrada", page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Redefina sua senha")

    heading = page.locator(f"[id='{fragment}']")
    expect(heading).to_have_count(1)
    expect(heading).to_have_text("Redefina pela página de entrada")
    assert heading.evaluate("h => h.tagName") in {"H2", "H3"}
    top = heading.bounding_box()["y"]
    height = page.evaluate("window.innerHeight")
    assert 0 <= top < height, f"the section's heading is at {top} px, the window {height} px high"
    assert not script_errors(page), page.errors


# ----------------------------------------------------------------------------------------- the browser's language


@VIEWPORTS
def test_a_portuguese_browser_lands_on_the_portuguese_home(open_at, server, viewport):
    page = open_at(viewport, locale="pt-BR")
    page.goto("/")
    page.wait_for_load_state("load")
    assert path_of(page) == "/pt-br/", page.url
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")


@VIEWPORTS
def test_an_english_browser_stays_on_the_english_home(open_at, server, viewport):
    page = open_at(viewport, locale="en-US")
    page.goto("/")
    page.wait_for_load_state("load")
    assert path_of(page) == "/", page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")


# ----------------------------------------------------------------------------------------- a phone


@pytest.mark.parametrize(
    "url",
    ["/pt-br/articles/reset-password", "/pt-br/articles/autenticacao-em-dois-fatores", f"/pt-br/search?q={QUERY}"],
)
def test_the_portuguese_pages_fit_a_phone_with_the_switcher_in_the_header(open_at, url):
    page = open_at(PHONE)
    page.goto(url)
    page.wait_for_load_state("load")
    switcher = page.locator(".site-header nav.language-switcher")
    expect(switcher).to_be_visible()
    box = switcher.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    width, inner = fits(page)
    assert width <= inner, f"{url} is {width} px wide on a {inner} px phone"
