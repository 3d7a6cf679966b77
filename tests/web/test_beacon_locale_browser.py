"""The beacon speaks the host page's language: a help center in English and Brazilian Portuguese, embedded in
pages of other languages, in a real browser. It shows its own strings in the locale it picks and says that
locale to the API in every request (suggest, tickets, events; an article by its query string)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request, expect

from kb.state import state_of
from tests.fixtures.app import make_app, make_config
from tests.fixtures.servers import HostSite, LiveServer

pytestmark = pytest.mark.browser

PAGE = """<!doctype html>
<html{lang}><head><meta charset="utf-8"><title>Acme</title></head>
<body><h1>Acme</h1><script src="{script}"{attributes} defer></script></body></html>
"""
PORTUGUESE = {"launcher": "Ajuda", "placeholder": "Digite sua pergunta…", "label": "Faça uma pergunta"}
ENGLISH = {"launcher": "Help", "placeholder": "Type your question…", "label": "Ask a question"}


@pytest.fixture(scope="module")
def host():
    site = HostSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def app(built_data_dir, tmp_path_factory, host):
    database = tmp_path_factory.mktemp("beacon-locale") / "kb.sqlite3"
    config = make_config(
        built_data_dir, LOCALES="en,pt-BR", BEACON_ORIGINS=host.origin, DATABASE_URL=f"sqlite:///{database}"
    )
    app = make_app(config)
    yield app
    state_of(app).engine.dispose()


@pytest.fixture(scope="module")
def kb(app, host):
    with LiveServer(app) as server:
        script = server.url + "/beacon.js"
        pages = {
            "/pt-br.html": (' lang="pt-BR"', ""),
            "/pt-pt.html": (' lang="pt-PT"', ""),  # only pt-BR is there: the same language
            "/chosen.html": (' lang="pt-BR"', ' data-locale="en"'),  # the tag's data-locale comes first
            "/german.html": (' lang="de"', ""),  # kb has no German: the browser's language then
        }
        for path, (lang, attributes) in pages.items():
            host.pages[path] = PAGE.format(lang=lang, script=script, attributes=attributes)
        yield server


def api_requests(page: Page) -> list[Request]:
    """Every request the page makes to kb's API from now on (fetches and sendBeacon's alike)."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if "/api/v1/" in r.url and r.method != "OPTIONS" else None)
    return seen


def script_errors(page: Page) -> list[str]:
    return [e for e in page.errors if not e.startswith("Failed to load resource")]


def open_on(open_page, host, path: str, **context) -> tuple[Page, list[Request]]:
    page = open_page(**context)
    sent = api_requests(page)
    page.goto(host.origin + path)
    page.wait_for_load_state("load")
    return page, sent


def test_a_portuguese_page_gets_the_portuguese_beacon_and_says_so_to_the_api(open_page, kb, host):
    page, sent = open_on(open_page, host, "/pt-br.html")
    launcher = page.get_by_role("button", name=PORTUGUESE["launcher"], exact=True)
    expect(launcher).to_be_visible()
    launcher.click()
    dialog = page.get_by_role("dialog", name="Ajuda")
    expect(dialog).to_be_visible()
    box = dialog.get_by_label(PORTUGUESE["label"])
    expect(box).to_have_attribute("placeholder", PORTUGUESE["placeholder"])
    expect(dialog.get_by_text("Olá! Como podemos ajudar?")).to_be_visible()
    expect(dialog.get_by_role("button", name="Ainda precisa de ajuda? Fale conosco")).to_be_visible()

    # typing suggests; a list that stays a second is reported to /api/v1/events (sendBeacon)
    with page.expect_request(lambda r: r.url.endswith("/api/v1/events")):
        with page.expect_request(lambda r: r.url.endswith("/api/v1/suggest") and "password" in r.post_data):
            box.fill("how do I reset my password")
    # then the contact form: its ticket goes with the locale too
    dialog.get_by_role("button", name="Ainda precisa de ajuda? Fale conosco").click()
    expect(dialog.get_by_role("heading", name="Fale conosco")).to_be_visible()
    dialog.get_by_label("Nome").fill("Ana")
    dialog.get_by_label("E-mail").fill("ana@example.com")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as stored:
        dialog.get_by_role("button", name="Enviar mensagem").click()
    assert stored.value.status == 201
    expect(dialog.get_by_role("heading", name="Obrigado! Recebemos sua mensagem.")).to_be_visible()
    expect(dialog.get_by_text(f"O número do seu chamado é #{stored.value.json()['id']}.")).to_be_visible()

    posted = [r for r in sent if r.method == "POST"]
    called = {r.url.split("/api/v1/")[1] for r in posted}
    assert {"suggest", "events", "tickets"} <= called, called
    for request in posted:
        assert request.post_data_json["locale"] == "pt-BR", (request.url, request.post_data)
    assert all(r.url.endswith("locale=pt-BR") for r in sent if r.method == "GET"), [r.url for r in sent]
    assert script_errors(page) == []


@pytest.mark.parametrize(
    ("path", "context", "locale", "strings"),
    [
        ("/pt-pt.html", {}, "pt-BR", PORTUGUESE),
        ("/chosen.html", {}, "en", ENGLISH),
        ("/german.html", {"locale": "pt-BR"}, "pt-BR", PORTUGUESE),
        ("/german.html", {"locale": "fr-FR"}, "en", ENGLISH),  # nothing matches: the help center's default
    ],
)
def test_the_beacon_picks_its_locale(open_page, kb, host, path, context, locale, strings):
    page, sent = open_on(open_page, host, path, **context)
    with page.expect_request(lambda r: r.url.endswith("/api/v1/suggest")) as first:
        page.get_by_role("button", name=strings["launcher"], exact=True).click()
    assert first.value.post_data_json["locale"] == locale
    expect(page.get_by_label(strings["label"])).to_have_attribute("placeholder", strings["placeholder"])
    assert script_errors(page) == []


def test_the_pages_plural_rule_is_read_without_eval(open_page, kb):
    """i18n.js on a help-center page (its CSP has no 'unsafe-eval'): tn() with gettext rules."""
    page = open_page()
    page.goto(kb.url + "/")
    page.wait_for_load_state("load")
    forms = page.evaluate(
        """() => {
            const one = "{count} result", other = "{count} results", say = (n) => tn(one, other, n, {count: n});
            const english = [0, 1, 2].map(say);
            kbStrings.use({messages: {[one]: ["{count} resultado", "{count} resultados"]}, plural: "(n > 1)"});
            const portuguese = [0, 1, 2].map(say);
            const slavic = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)";
            kbStrings.use({messages: {[one]: ["a{count}", "b{count}", "c{count}"]}, plural: slavic});
            const russian = [1, 2, 5, 11, 21, 22, 112].map(say);
            kbStrings.use({messages: {Copy: "Copiar"}, plural: "n >"});  // a broken rule: English's
            const broken = [t("Copy"), t("{x} of {y}", {x: 1}), say(1), say(2)];
            kbStrings.use(null);
            return {english, portuguese, russian, broken, back: t("Copy")};
        }"""
    )
    assert forms["english"] == ["0 results", "1 result", "2 results"]
    assert forms["portuguese"] == ["0 resultado", "1 resultado", "2 resultados"]
    assert forms["russian"] == ["a1", "b2", "c5", "c11", "a21", "b22", "c112"]
    assert forms["broken"] == ["Copiar", "1 of {y}", "1 result", "2 results"]
    assert forms["back"] == "Copy"
    assert page.errors == []


def test_a_portuguese_help_center_page_speaks_portuguese_and_searches_its_edition(open_page, kb):
    page = open_page()
    page.goto(kb.url + "/pt-br/")
    page.wait_for_load_state("load")
    assert page.evaluate("() => [t('Copy'), t('Copied')]") == ["Copiar", "Copiado"]  # from #kb-strings
    box = page.locator("[data-search-box] input[type=search]").first
    with page.expect_request(lambda r: "/api/v1/search" in r.url) as searched:
        box.fill("fatura")
    assert "locale=pt-BR" in searched.value.url
    assert script_errors(page) == []


@pytest.fixture(scope="module")
def bilingual(i18n_data_dir, tmp_path_factory, host):
    """The beacon of the help center of tests/articles_i18n (English and Portuguese articles)."""
    from tests.fixtures.locales import i18n_config

    database = tmp_path_factory.mktemp("beacon-bilingual") / "kb.sqlite3"
    app = make_app(i18n_config(i18n_data_dir, database, BEACON_ORIGINS=host.origin))
    with LiveServer(app) as server:
        host.pages["/loja.html"] = PAGE.format(lang=' lang="pt-BR"', script=server.url + "/beacon.js", attributes="")
        yield server
    state_of(app).engine.dispose()


def test_a_portuguese_question_gets_portuguese_articles_in_the_beacon(open_page, bilingual, host):
    page, _sent = open_on(open_page, host, "/loja.html")
    page.get_by_role("button", name=PORTUGUESE["launcher"], exact=True).click()
    dialog = page.get_by_role("dialog", name="Ajuda")
    dialog.get_by_label(PORTUGUESE["label"]).fill("esqueci minha senha e não consigo entrar")
    suggestions = dialog.get_by_role("list", name="Artigos sugeridos")
    answer = suggestions.get_by_role("button", name="Redefina sua senha Redefina pela página de entrada")
    expect(answer).to_be_visible()
    expect(suggestions.get_by_text("Reset your password")).to_have_count(0)
    expect(suggestions.locator("mark").first).to_have_text("Esqueci")  # the Portuguese stems are marked
    answer.click()  # the article opens inside the panel, in Portuguese
    expect(dialog.get_by_role("heading", name="Redefina sua senha")).to_be_visible()
    expect(dialog.get_by_role("heading", name="Se o e-mail não chegar")).to_be_visible()
    expect(dialog.get_by_text("Isso respondeu à sua pergunta?")).to_be_visible()
    assert script_errors(page) == []
