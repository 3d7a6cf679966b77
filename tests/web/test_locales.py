"""A help center in English and Brazilian Portuguese (kb.web.locales): each locale's pages under its own URLs,
the home page's language negotiation, hreflang alternates, the sitemap, the language switcher, robots.txt, and
search in each locale's own language."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fixtures.locales import PORTUGUESE_BROWSER

ENGLISH_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match[1]


def alternates(html: str) -> dict[str, str]:
    """hreflang -> href of the page's <link rel="alternate"> links."""
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def switcher(html: str) -> str:
    match = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S)
    assert match, "no language switcher"
    return match[0]


def switcher_links(html: str) -> dict[str, str]:
    """hreflang -> href of the switcher's links (the current language is not a link)."""
    return {
        lang: href.replace("&amp;", "&")
        for href, lang in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', switcher(html))
    }


def result_links(html: str) -> list[str]:
    """The links of the locale's own results (not of any other section the page adds)."""
    match = re.search(r"<ol class=\"results\"[^>]*data-results.*?</ol>", html, re.S)
    return re.findall(r'class="result-title" href="([^"]+)"', match[0]) if match else []


def did_you_mean(html: str) -> str | None:
    match = re.search(r'class="did-you-mean">.*?<a href="[^"]*">([^<]+)</a>', html, re.S)
    return match[1] if match else None


# Routing


@pytest.mark.parametrize(
    ("url", "lang", "text"),
    [
        ("/", "en", "How can we help?"),
        ("/pt-br/", "pt-BR", "Como podemos ajudar?"),
        ("/articles/reset-password", "en", "Reset your password"),
        ("/pt-br/articles/reset-password", "pt-BR", "Redefina sua senha"),
        ("/articles/two-factor", "en", "Turn on two-factor authentication"),
        ("/pt-br/articles/autenticacao-em-dois-fatores", "pt-BR", "Ative a autenticação em dois fatores"),
        ("/categories/account", "en", "Sign in, passwords and security."),
        ("/pt-br/categories/account", "pt-BR", "Entrada, senhas e segurança."),
        ("/search?q=password", "en", "Reset your password"),
        ("/pt-br/search?q=senha", "pt-BR", "Redefina sua senha"),
        ("/contact", "en", "Send message"),
        ("/pt-br/contact", "pt-BR", "Enviar mensagem"),
    ],
)
def test_each_locale_has_its_pages_in_its_language(i18n_client, url, lang, text):
    response = i18n_client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html_lang(html) == lang
    assert text in html


@pytest.mark.parametrize(
    "url",
    [
        "/xx/articles/reset-password",
        "/en/articles/reset-password",  # the default locale has no segment
        "/pt/articles/reset-password",
        "/pt-br/articles/two-factor",  # the English slug of a translated article
        "/articles/autenticacao-em-dois-fatores",  # a Portuguese slug in English
        "/pt-br/articles/invoices",  # not translated
        "/pt-br/categories/billing",  # no Portuguese article in it
    ],
)
def test_pages_a_locale_does_not_have_are_404(i18n_client, url):
    assert i18n_client.get(url).status_code == 404


def test_portuguese_pages_link_within_portuguese(i18n_client):
    html = i18n_client.get("/pt-br/articles/autenticacao-em-dois-fatores").get_data(as_text=True)
    assert '<a class="brand" href="/pt-br/"' in html
    assert 'action="/pt-br/search"' in html
    assert 'href="/pt-br/contact"' in html
    assert '<a href="/pt-br/categories/account">Conta</a>' in html
    assert 'href="/pt-br/articles/reset-password#se-o-e-mail-não-chegar"' in html  # the article's own link
    assert 'action="/pt-br/articles/autenticacao-em-dois-fatores/feedback"' in html


def test_the_portuguese_home_lists_only_portuguese_articles_and_categories(i18n_client):
    html = i18n_client.get("/pt-br/").get_data(as_text=True)
    links = set(re.findall(r'href="(/[^"]*articles/[^"]*)"', html))
    assert links == {"/pt-br/articles/reset-password", "/pt-br/articles/autenticacao-em-dois-fatores"}
    assert "/pt-br/categories/account" in html
    assert "categories/billing" not in html


def test_portuguese_feedback_goes_back_to_the_portuguese_article(i18n_client):
    from tests.fixtures.app import csrf_token

    page = i18n_client.get("/pt-br/articles/reset-password").get_data(as_text=True)
    response = i18n_client.post(
        "/pt-br/articles/reset-password/feedback", data={"helpful": "yes", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/pt-br/articles/reset-password#feedback"


# The home page picks a language; no other page redirects


@pytest.mark.parametrize(
    "accept", ["pt-BR", "pt", "pt-BR,pt;q=0.9,en;q=0.5", "pt-PT,pt;q=0.8", "de-DE,pt;q=0.7,en;q=0.3"]
)
def test_home_sends_a_portuguese_browser_to_the_portuguese_home(i18n_client, accept):
    response = i18n_client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"] == "/pt-br/"


@pytest.mark.parametrize("headers", [{}, ENGLISH_BROWSER, {"Accept-Language": "en"}, {"Accept-Language": "fr-FR"}])
def test_home_stays_in_english_for_other_browsers(i18n_client, headers):
    response = i18n_client.get("/", headers=headers)
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == "en"


def test_home_stays_in_english_when_english_is_preferred_over_portuguese(i18n_client):
    response = i18n_client.get("/", headers={"Accept-Language": "en-US,pt;q=0.5"})
    assert response.status_code == 200


def test_the_home_page_varies_on_language_and_cookie(i18n_client):
    vary = i18n_client.get("/").headers["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_the_home_pages_redirect_varies_on_language_too(i18n_client):
    response = i18n_client.get("/", headers=PORTUGUESE_BROWSER)
    assert response.status_code == 302
    assert "Accept-Language" in response.headers.get("Vary", "")


@pytest.mark.parametrize("url", ["/articles/reset-password", "/search?q=password", "/contact", "/categories/account"])
def test_no_other_page_redirects(i18n_client, url):
    i18n_client.get("/language/pt-br")
    response = i18n_client.get(url, headers=PORTUGUESE_BROWSER)
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == "en"


def test_the_portuguese_home_never_redirects(i18n_client):
    i18n_client.get("/language/en")
    assert i18n_client.get("/pt-br/", headers=ENGLISH_BROWSER).status_code == 200


def test_the_chosen_language_beats_the_browsers(i18n_client):
    i18n_client.get("/language/pt-br")
    response = i18n_client.get("/", headers=ENGLISH_BROWSER)
    assert (response.status_code, response.headers["Location"]) == (302, "/pt-br/")

    i18n_client.get("/language/en")
    response = i18n_client.get("/", headers=PORTUGUESE_BROWSER)
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == "en"


# Choosing a language


def test_choosing_a_language_sets_the_cookie_and_goes_to_the_page(i18n_client):
    response = i18n_client.get("/language/pt-br?next=/pt-br/articles/autenticacao-em-dois-fatores")
    assert response.status_code == 303
    assert response.headers["Location"] == "/pt-br/articles/autenticacao-em-dois-fatores"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("kb_locale=pt-br;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert i18n_client.get_cookie("kb_locale").value == "pt-br"


def test_choosing_a_language_without_a_page_goes_to_its_home(i18n_client):
    response = i18n_client.get("/language/pt-br")
    assert (response.status_code, response.headers["Location"]) == (303, "/pt-br/")
    response = i18n_client.get("/language/en")
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert i18n_client.get_cookie("kb_locale").value == "en"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/pt-br/", "http:/evil.example", "javascript:alert(1)", "pt-br/", ""],
)
def test_choosing_a_language_only_follows_local_paths(i18n_client, target):
    response = i18n_client.get("/language/pt-br", query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/pt-br/"


def test_choosing_a_language_the_center_does_not_have_sets_nothing(i18n_client):
    response = i18n_client.get("/language/xx?next=/articles/reset-password")
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert "Set-Cookie" not in response.headers
    assert i18n_client.get_cookie("kb_locale") is None


# hreflang alternates


def test_a_translated_article_links_to_its_translation(i18n_client):
    english = alternates(i18n_client.get("/articles/two-factor").get_data(as_text=True))
    portuguese = alternates(i18n_client.get("/pt-br/articles/autenticacao-em-dois-fatores").get_data(as_text=True))
    expected = {
        "en": "http://localhost/articles/two-factor",
        "x-default": "http://localhost/articles/two-factor",
        "pt-BR": "http://localhost/pt-br/articles/autenticacao-em-dois-fatores",
    }
    assert english == portuguese == expected


def test_an_untranslated_article_has_no_alternates(i18n_client):
    assert alternates(i18n_client.get("/articles/invoices").get_data(as_text=True)) == {}


@pytest.mark.parametrize(("url", "english"), [("/pt-br/", "/"), ("/pt-br/categories/account", "/categories/account")])
def test_home_and_category_pages_link_to_each_locale(i18n_client, url, english):
    assert alternates(i18n_client.get(url).get_data(as_text=True)) == {
        "en": f"http://localhost{english}",
        "x-default": f"http://localhost{english}",
        "pt-BR": f"http://localhost{url}",
    }


def test_alternates_use_the_base_url(i18n_app, i18n_client):
    i18n_app.config["BASE_URL"] = "https://help.example.com"
    links = alternates(i18n_client.get("/articles/reset-password").get_data(as_text=True))
    assert links["pt-BR"] == "https://help.example.com/pt-br/articles/reset-password"
    assert links["x-default"] == "https://help.example.com/articles/reset-password"


def test_a_one_language_help_center_has_no_alternates_switcher_or_prefixes(client):
    html = client.get("/articles/reset-password").get_data(as_text=True)
    assert alternates(html) == {}
    assert 'class="language-switcher"' not in html
    assert client.get("/pt-br/").status_code == 404
    assert client.get("/language/pt-br").headers["Location"] == "/"


# The sitemap


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def sitemap(client) -> dict[str, dict[str, str]]:
    """Each <loc> (without the host) -> its alternates, hreflang -> path."""
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    entries = {}
    for url in root.findall(f"{SITEMAP}url"):
        loc = url.find(f"{SITEMAP}loc").text.removeprefix("http://localhost")
        links = url.findall(f"{XHTML}link")
        assert all(link.get("rel") == "alternate" for link in links)
        entries[loc] = {link.get("hreflang"): link.get("href").removeprefix("http://localhost") for link in links}
    return entries


def test_the_sitemap_lists_every_locales_pages(i18n_client):
    assert set(sitemap(i18n_client)) == {
        "/",
        "/categories/account",
        "/categories/billing",
        "/articles/reset-password",
        "/articles/two-factor",
        "/articles/invoices",
        "/pt-br/",
        "/pt-br/categories/account",
        "/pt-br/articles/reset-password",
        "/pt-br/articles/autenticacao-em-dois-fatores",
    }


def test_the_sitemap_gives_each_translated_page_its_alternates(i18n_client):
    entries = sitemap(i18n_client)
    two_factor = {"en": "/articles/two-factor", "pt-BR": "/pt-br/articles/autenticacao-em-dois-fatores"}
    assert entries["/articles/two-factor"] == entries["/pt-br/articles/autenticacao-em-dois-fatores"] == two_factor
    assert entries["/pt-br/articles/reset-password"] == {
        "en": "/articles/reset-password",
        "pt-BR": "/pt-br/articles/reset-password",
    }
    assert entries["/"] == entries["/pt-br/"] == {"en": "/", "pt-BR": "/pt-br/"}
    assert entries["/articles/invoices"] == {}  # not translated


# The language switcher


def test_the_switcher_goes_to_the_translation_under_its_own_slug(i18n_client):
    html = i18n_client.get("/articles/two-factor").get_data(as_text=True)
    assert switcher_links(html) == {"pt-BR": "/language/pt-br?next=/pt-br/articles/autenticacao-em-dois-fatores"}
    assert '<span aria-current="true" lang="en">English</span>' in switcher(html)

    back = i18n_client.get("/pt-br/articles/autenticacao-em-dois-fatores").get_data(as_text=True)
    assert switcher_links(back) == {"en": "/language/en?next=/articles/two-factor"}
    assert '<span aria-current="true" lang="pt-BR">Português (Brasil)</span>' in switcher(back)


def test_the_switcher_goes_to_the_home_when_the_article_is_not_translated(i18n_client):
    html = i18n_client.get("/articles/invoices").get_data(as_text=True)
    assert switcher_links(html) == {"pt-BR": "/language/pt-br"}
    response = i18n_client.get("/language/pt-br")
    assert response.headers["Location"] == "/pt-br/"


def test_following_the_switcher_lands_on_the_translation(i18n_client):
    html = i18n_client.get("/articles/reset-password").get_data(as_text=True)
    link = switcher_links(html)["pt-BR"]
    assert parse_qs(urlsplit(link).query)["next"] == ["/pt-br/articles/reset-password"]
    response = i18n_client.get(link, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert html_lang(page) == "pt-BR" and "Redefina sua senha" in page
    # and the choice is remembered on the home page
    assert i18n_client.get("/").headers["Location"] == "/pt-br/"


@pytest.mark.parametrize(
    ("url", "links"),
    [
        ("/", {"pt-BR": "/language/pt-br?next=/pt-br/"}),
        ("/pt-br/", {"en": "/language/en?next=/"}),
        ("/categories/account", {"pt-BR": "/language/pt-br?next=/pt-br/categories/account"}),
        ("/pt-br/contact", {"en": "/language/en?next=/contact"}),
    ],
)
def test_the_switcher_on_other_pages(i18n_client, url, links):
    html = i18n_client.get(url).get_data(as_text=True)
    assert switcher_links(html) == links
    assert "Português (Brasil)" in switcher(html) and "English" in switcher(html)


# robots.txt


def test_robots_keeps_crawlers_off_every_locales_search_and_the_switcher(i18n_client):
    lines = i18n_client.get("/robots.txt").get_data(as_text=True).splitlines()
    for rule in ("Disallow: /search", "Disallow: /pt-br/search", "Disallow: /language/", "Disallow: /api/"):
        assert rule in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "Disallow: /pt-br/" not in lines  # the Portuguese pages themselves are crawled


# Search in each locale's language


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("configuracao", "autenticacao-em-dois-fatores"),  # finds "Configurações" without its accents
        ("Configuração", "autenticacao-em-dois-fatores"),
        ("senhas", "reset-password"),  # finds "senha"
        ("autenticacao", "autenticacao-em-dois-fatores"),
    ],
)
def test_portuguese_search_reads_portuguese(i18n_client, query, slug):
    links = result_links(i18n_client.get("/pt-br/search", query_string={"q": query}).get_data(as_text=True))
    assert links, query
    assert any(link.startswith(f"/pt-br/articles/{slug}") for link in links)
    assert all(link.startswith("/pt-br/articles/") for link in links)


def test_portuguese_results_link_to_their_sections_with_highlights(i18n_client):
    html = i18n_client.get("/pt-br/search?q=configuracao").get_data(as_text=True)
    assert result_links(html) == ["/pt-br/articles/autenticacao-em-dois-fatores#configure"]
    assert "› Configure</span>" in html
    assert "<mark>Configurações</mark>" in html
    assert "1 resultado para “configuracao”" in html


def test_a_portuguese_section_anchor_is_a_heading_of_the_article(i18n_client):
    links = result_links(i18n_client.get("/pt-br/search?q=esqueci+minha+senha").get_data(as_text=True))
    anchored = [link for link in links if link.startswith("/pt-br/articles/reset-password#")]
    assert anchored, links
    path, anchor = anchored[0].split("#")
    assert anchor == "redefina-pela-página-de-entrada"
    assert f'id="{anchor}"' in i18n_client.get(path).get_data(as_text=True)


def test_portuguese_stop_words_alone_find_nothing(i18n_client):
    response = i18n_client.get("/pt-br/search?q=de+para+o")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nenhum resultado para “de para o”" in html
    assert result_links(html) == []


def test_english_search_finds_only_english_articles(i18n_client):
    links = result_links(i18n_client.get("/search?q=password").get_data(as_text=True))
    assert links and all(link.startswith("/articles/") for link in links)
    assert result_links(i18n_client.get("/search?q=configuracao").get_data(as_text=True)) == []


def test_each_edition_searches_only_its_own_articles(i18n_client):
    assert result_links(i18n_client.get("/pt-br/search?q=invoice").get_data(as_text=True)) == []
    assert result_links(i18n_client.get("/pt-br/search?q=password").get_data(as_text=True)) == []


def test_did_you_mean_comes_from_the_portuguese_words(i18n_client):
    html = i18n_client.get("/pt-br/search?q=sehna").get_data(as_text=True)
    assert did_you_mean(html) == "senha"
    assert 'href="/pt-br/search?q=senha"' in html


def test_english_never_proposes_a_portuguese_word(i18n_client):
    for misspelt in ("sehna", "senah", "fatrua"):
        html = i18n_client.get("/search", query_string={"q": misspelt}).get_data(as_text=True)
        assert did_you_mean(html) not in ("senha", "fatura"), misspelt


def test_portuguese_never_proposes_an_english_word(i18n_client):
    for misspelt in ("pasword", "passwrod", "invocie"):
        html = i18n_client.get("/pt-br/search", query_string={"q": misspelt}).get_data(as_text=True)
        assert did_you_mean(html) not in ("password", "invoice"), misspelt


def test_english_did_you_mean_still_works(i18n_client):
    assert did_you_mean(i18n_client.get("/search?q=pasword").get_data(as_text=True)) == "password"
