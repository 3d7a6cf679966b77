"""axe-core in a real browser finds nothing serious or critical on any page type, on a phone (390×844) and a desktop
(1280×800), in the light and the dark colour scheme: the help center's pages (an article with code and a table, the
contact form with its errors), the beacon's panel and article view, the agent's list and ticket, the dashboard, and
the Portuguese pages of the bilingual help center (issue 16)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kb import auth
from kb.config import SHIPPED_ARTICLES
from kb.index.build import build_index
from tests.fixtures.agents import submit
from tests.fixtures.analytics import load_synthetic
from tests.fixtures.app import make_app, make_config, shut_down
from tests.fixtures.axe import add_axe
from tests.fixtures.browser import BILLING_PAGE, DESKTOP
from tests.fixtures.locales import i18n_config
from tests.fixtures.model import FakeEncoder
from tests.fixtures.servers import HostSite, LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
SCHEMES = ("light", "dark")
ADMIN_EMAIL, ADMIN_PASSWORD = "ada@example.com", "correct horse battery"
MESSAGE = "The invoice PDF will not download, and the password reset email never arrived."


@pytest.fixture(scope="module")
def host():
    site = HostSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def kb(built_data_dir, tmp_path_factory, host):
    """tests/articles over HTTP, with an admin, a ticket (its number as ``kb.ticket``), the dashboard's synthetic
    events, and ``host``'s billing page embedding the beacon."""
    database = tmp_path_factory.mktemp("axe") / "kb.sqlite3"
    app = make_app(make_config(built_data_dir, BEACON_ORIGINS=host.origin, DATABASE_URL=f"sqlite:///{database}"))
    with app.app_context():
        auth.add_agent(ADMIN_EMAIL, ADMIN_PASSWORD, name="Ada Admin", role="admin")
    load_synthetic(app)
    ticket = submit(app.test_client(), subject="Invoice and password", message=MESSAGE, shown=["invoices"])
    with LiveServer(app) as server:
        server.ticket = ticket
        host.pages["/billing/index.html"] = BILLING_PAGE.format(script=server.url + "/beacon.js")
        yield server
    shut_down(app)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped articles (English) over HTTP: their richest article, on Markdown features."""
    data_dir = tmp_path_factory.mktemp("axe-shipped")
    build_index(SHIPPED_ARTICLES, data_dir, encoder=FakeEncoder())
    config = make_config(data_dir, ARTICLES_DIR=str(SHIPPED_ARTICLES), DATABASE_URL=f"sqlite:///{data_dir / 'kb.db'}")
    app = make_app(config)
    with LiveServer(app) as server:
        yield server
    shut_down(app)


@pytest.fixture(scope="module")
def bilingual(i18n_data_dir, tmp_path_factory):
    """tests/articles_i18n (English and pt-BR) over HTTP."""
    app = make_app(i18n_config(i18n_data_dir, tmp_path_factory.mktemp("axe-i18n") / "kb.sqlite3"))
    with LiveServer(app) as server:
        yield server
    shut_down(app)


@pytest.fixture(scope="module")
def admin_state(browser, kb):
    """The cookies of a browser signed in as the admin (signing in once for every test)."""
    context = browser.new_context(base_url=kb.url)
    page = context.new_page()
    page.goto("/agent/sign-in?next=/agent/")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(kb.url + "/agent/")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def open_at(open_page, viewport):
    """``open_at(base_url, **options)``: a page at this test's size, in the light scheme, with axe-core loaded."""

    def open_at(base_url: str, **options) -> Page:
        phone = viewport == PHONE
        page = open_page(
            base_url=base_url,
            viewport=viewport,
            is_mobile=phone,
            has_touch=phone,
            color_scheme="light",
            bypass_csp=True,  # kb's Content-Security-Policy would refuse axe's script
            **options,
        )
        add_axe(page.context)
        return page

    return open_at


def visit(page: Page, path: str) -> None:
    response = page.goto(path, wait_until="load")
    assert response.status == 200, (path, response.status)


def assert_no_violations(axe, page: Page) -> None:
    """axe finds nothing serious or critical on ``page`` in the light scheme, nor in the dark one. The page switches
    scheme as the context's ``color_scheme`` would have opened it (no script of kb's reads the scheme: CSS alone
    follows it), so that each page is loaded once for both."""
    found = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        found[scheme] = axe(page)
    assert not any(found.values()), f"axe on {page.url}:\n" + "\n".join(
        f"[{scheme}] {line}" for scheme, lines in found.items() for line in lines
    )


# ----------------------------------------------------------------------------------------- the help center

HELP_CENTER = {
    "home": "/",
    "category": "/categories/account",
    "article": "/articles/invoices",  # a table, a code block and a note
    "search": "/search?q=invoice",
    "contact": "/contact",
}


@SIZES
@pytest.mark.parametrize("path", HELP_CENTER.values(), ids=HELP_CENTER.keys())
def test_help_center_pages(open_at, kb, axe, path):
    page = open_at(kb.url)
    visit(page, path)
    assert_no_violations(axe, page)


@SIZES
def test_the_contact_form_with_its_errors(open_at, kb, axe):
    page = open_at(kb.url)
    visit(page, "/contact")
    page.get_by_label("Email").fill("ada@")
    with page.expect_navigation():
        page.get_by_role("button", name="Send message").click()  # the server says what is wrong
    page.wait_for_load_state("load")
    expect(page.get_by_text("Your name is required.")).to_be_visible()
    assert_no_violations(axe, page)


@SIZES
def test_a_shipped_article_with_code_and_tables(open_at, shipped, axe):
    page = open_at(shipped.url)
    visit(page, "/articles/markdown-features")
    expect(page.locator(".article-body pre").first).to_be_visible()
    expect(page.locator(".article-body table").first).to_be_visible()
    assert_no_violations(axe, page)


# ----------------------------------------------------------------------------------------- the beacon


def open_beacon(page: Page, host):
    visit(page, host.origin + "/billing/index.html")
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = page.get_by_role("dialog", name="Help")
    dialog.get_by_label("Ask a question").fill("I forgot my password")
    expect(dialog.get_by_role("button", name=re.compile("^Reset your password"))).to_be_visible()
    return dialog


@SIZES
def test_the_beacon_panel_with_suggestions(open_at, kb, host, axe):
    page = open_at(kb.url)
    open_beacon(page, host)
    assert_no_violations(axe, page)


@SIZES
def test_the_beacon_article_view(open_at, kb, host, axe):
    page = open_at(kb.url)
    dialog = open_beacon(page, host)
    dialog.get_by_role("button", name=re.compile("^Reset your password")).click()
    expect(dialog.get_by_text("Did this answer your question?")).to_be_visible()
    assert_no_violations(axe, page)


# ----------------------------------------------------------------------------------------- agents and admins

SIGNED_IN = {"tickets": "/agent/", "ticket": "/agent/tickets/{ticket}", "dashboard": "/admin/"}


@SIZES
@pytest.mark.parametrize("path", SIGNED_IN.values(), ids=SIGNED_IN.keys())
def test_agent_and_admin_pages(open_at, kb, admin_state, axe, path):
    page = open_at(kb.url, storage_state=admin_state)
    visit(page, path.format(ticket=kb.ticket) + ("?from=2026-11-02&to=2026-11-03" if path == "/admin/" else ""))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert urlpath(page) == path.format(ticket=kb.ticket), page.url  # not the sign-in page
    assert_no_violations(axe, page)


def urlpath(page: Page) -> str:
    return re.sub(r"^https?://[^/]+|\?.*$", "", page.url)


# ----------------------------------------------------------------------------------------- Portuguese

PORTUGUESE = {"home": "/pt-br/", "article": "/pt-br/articles/autenticacao-em-dois-fatores"}


@SIZES
@pytest.mark.parametrize("path", PORTUGUESE.values(), ids=PORTUGUESE.keys())
def test_portuguese_pages(open_at, bilingual, axe, path):
    page = open_at(bilingual.url)
    visit(page, path)
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    assert_no_violations(axe, page)
