"""The help center's look in a real browser (issue 16): category cards that are links with their counts, a category
page headed by its icon and count with whole-row links, popular shortcuts in the hero, an article column of a readable
measure, and no sideways scrolling on a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from kb.db import events as events_table
from kb.db import get_engine
from tests.fixtures.analytics import event

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(open_page, live_server):
    """``open_page(**context_options)``: a page of this module's help center in a fresh context (desktop-sized)."""
    return lambda **options: open_page(**{"base_url": live_server.url, **options})


@pytest.fixture
def page(open_page) -> Page:
    return open_page()


def test_each_category_card_is_one_link_with_its_icon_and_count(page: Page):
    page.goto("/")
    cards = page.locator(".category-card")
    expect(cards).to_have_count(3)
    for card in cards.all():
        link = card.get_by_role("link")
        expect(link).to_have_count(1)
        expect(link).to_have_attribute("href", re.compile(r"^/categories/[a-z0-9-]+$"))
        expect(card.locator(".category-icon svg")).to_be_visible()
        expect(card.locator(".category-count")).to_have_text(re.compile(r"^\d+ articles?$"))
    billing = cards.filter(has_text="Billing")
    expect(billing.locator(".category-count")).to_have_text("1 article")
    billing.click(position={"x": 8, "y": 8})  # a corner of the card, away from its texts
    expect(page).to_have_url(re.compile(r"/categories/billing$"))


def test_the_category_page_shows_its_icon_and_count_and_each_row_opens_its_article(page: Page):
    page.goto("/categories/account")
    header = page.locator(".category-header")
    expect(header.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(header.locator(".category-icon svg")).to_be_visible()
    expect(header.locator(".category-count")).to_have_text("2 articles")
    rows = page.locator(".article-list > li")
    expect(rows).to_have_count(2)
    expect(rows.first.get_by_role("link")).to_have_count(1)  # one link a row: its title
    row = rows.first.bounding_box()
    rows.first.click(position={"x": 30, "y": row["height"] - 12})  # on its summary: the title's link covers the row
    expect(page).to_have_url(re.compile(r"/articles/reset-password$"))


def test_the_hero_offers_the_most_read_articles(app, page: Page):
    recently = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # within the most-read window, whatever the date
    rows = [event("view", recently, article="invoices") for _ in range(3)]
    rows.append(event("view", recently, article="reset-password"))
    with app.app_context(), get_engine().begin() as conn:
        conn.execute(events_table.insert(), rows)
    page.goto("/")
    shortcuts = page.locator(".hero .hero-links a")
    expect(shortcuts).to_have_text(["Download invoices", "Reset your password"])
    shortcuts.first.click()
    expect(page).to_have_url(re.compile(r"/articles/invoices$"))


def test_no_views_no_shortcuts(page: Page):
    page.goto("/")
    expect(page.locator(".hero .hero-links")).to_have_count(0)
    expect(page.get_by_role("search").get_by_role("combobox")).to_be_visible()


def test_the_article_column_keeps_a_readable_measure_beside_the_contents(page: Page):
    page.goto("/articles/reset-password")
    body, toc = page.locator(".article-body").bounding_box(), page.locator(".toc").bounding_box()
    assert 480 <= body["width"] <= 760, body
    assert toc["x"] >= body["x"] + body["width"], (body, toc)  # the contents beside the text, not over it
    line_height = page.locator(".article-body p").first.evaluate("p => parseFloat(getComputedStyle(p).lineHeight)")
    font_size = page.locator(".article-body p").first.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    assert 1.5 <= line_height / font_size <= 1.8


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["/", "/categories/account", "/articles/reset-password"])
def test_a_phone_never_scrolls_sideways(open_page, path, scheme):
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True, color_scheme=scheme)
    page.goto(path)
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], (path, width)
    page.mouse.wheel(300, 0)
    assert page.evaluate("window.scrollX") == 0, path
