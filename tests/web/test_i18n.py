"""The interface's language (kb.web.i18n): Portuguese where the locale says so, English unchanged otherwise."""

from __future__ import annotations

import re
from datetime import date

import pytest

from kb import auth
from kb.web.i18n import current_locale, local_date
from tests.fixtures.agents import PASSWORD, signed_in
from tests.fixtures.app import make_app, make_config, shut_down

PORTUGUESE = {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}


def app_with(built_data_dir, tmp_path, **overrides):
    return make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", **overrides))


@pytest.fixture
def portuguese(built_data_dir, tmp_path):
    """A help center whose one language is Brazilian Portuguese: the whole interface, no URL prefix."""
    app = app_with(built_data_dir, tmp_path, LOCALES="pt-BR")
    yield app
    shut_down(app)


@pytest.fixture
def bilingual(built_data_dir, tmp_path):
    app = app_with(built_data_dir, tmp_path, LOCALES="en,pt-BR", AGENT_TOKENS="tok-agent-0123456789abcdef")
    with app.app_context():
        auth.add_agent("dana@example.com", PASSWORD, name="Dana")
    yield app
    shut_down(app)


@pytest.mark.parametrize(
    ("url", "portuguese_text"),
    [
        ("/", ["Como podemos ajudar?", "Pesquisar na central de ajuda", "Fale conosco", "artigos"]),
        ("/search?q=password", ["Pesquisar", "Todas as categorias", "para “password”"]),
        ("/search?q=zzzqqqxxx", ["Nenhum resultado para “zzzqqqxxx”", "página inicial"]),
        ("/contact", ["Fale conosco", "Seu nome", "Enviar mensagem", "Comece a digitar sua pergunta"]),
        ("/articles/reset-password", ["Este artigo foi útil?", "Sim", "Não", "Início", "Enviar comentário"]),
    ],
)
def test_a_portuguese_help_center_speaks_portuguese(portuguese, url, portuguese_text):
    html = portuguese.test_client().get(url).get_data(as_text=True)
    assert re.search(r'<html lang="pt(-BR)?"', html, re.I)
    for text in portuguese_text:
        assert text in html


@pytest.mark.parametrize(
    ("url", "english_text"),
    [
        ("/", ['<html lang="en">', "How can we help?", "Search the help center", "Contact us"]),
        ("/search?q=password", ["All categories", "for “password”"]),
        ("/contact", ["Your name", "Send message", "Start typing your question to see suggestions."]),
        ("/articles/reset-password", ["Was this article helpful?", "Send feedback", ">Home</a>"]),
    ],
)
def test_the_default_help_center_is_english(client, url, english_text):
    html = client.get(url, headers=PORTUGUESE).get_data(as_text=True)  # one locale: the browser does not matter
    for text in english_text:
        assert text in html
    assert "Pesquisar" not in html


def test_contact_form_errors_are_portuguese(portuguese):
    client = portuguese.test_client()
    html = client.get("/contact").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    page = client.post("/contact", data={"csrf_token": token, "email": "not-an-address"}).get_data(as_text=True)
    assert "O campo “Seu nome” é obrigatório." in page
    assert "O campo “E-mail” não é um endereço de e-mail válido." in page
    assert "O campo “Sua mensagem” é obrigatório." in page


def test_the_english_contact_form_errors_are_unchanged(client):
    html = client.get("/contact").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    page = client.post("/contact", data={"csrf_token": token, "email": "nope"}).get_data(as_text=True)
    assert "Your name is required." in page and "Email is not an e-mail address." in page
    assert "Your message is required." in page


def test_agent_pages_follow_the_browser(bilingual):
    agent = signed_in(bilingual, "dana@example.com")
    english = agent.get("/agent/").get_data(as_text=True)
    assert "<h1>Tickets</h1>" in english
    portuguese = agent.get("/agent/", headers=PORTUGUESE).get_data(as_text=True)
    assert "<h1>Chamados</h1>" in portuguese and "Sair" in portuguese
    assert '<html lang="pt-BR">' in portuguese


def test_api_errors_follow_the_browser(bilingual):
    client = bilingual.test_client()
    english = client.get("/api/v1/search?q=reset&limit=0")
    assert english.status_code == 400
    assert english.get_json()["error"]["message"] == "`limit` must be from 1 to 50, got 0"
    answer = client.get("/api/v1/search?q=reset&limit=0", headers=PORTUGUESE)
    assert answer.status_code == 400
    assert answer.get_json()["error"] == {
        "code": "invalid_parameter",
        "message": "`limit` deve ser de 1 a 50, mas veio 0",
    }
    missing = client.get("/api/v1/search", headers=PORTUGUESE).get_json()["error"]["message"]
    assert missing == "`q` é obrigatório: as palavras a pesquisar"


def test_the_page_locale_wins_over_the_browser(bilingual):
    from flask import g

    from kb.content.locales import Locale

    with bilingual.test_request_context("/", headers={"Accept-Language": "en"}):
        assert current_locale() == Locale("en")
        g.kb_locale = Locale("pt-BR")
        assert current_locale() == Locale("pt-BR")


def test_dates_and_numbers_are_formatted_the_portuguese_way(portuguese, app):
    from flask import render_template_string

    template = "{{ local_date(day) }} · {{ format_number(n) }} · {{ 1234|number }}"
    with portuguese.test_request_context("/"):
        assert (
            render_template_string(template, day=date(2024, 5, 1), n=1234567) == "1 de maio de 2024 · 1.234.567 · 1.234"
        )
        assert local_date("2024-05-01") == "1 de maio de 2024"
    with app.test_request_context("/"):  # the English interface keeps ISO dates
        assert render_template_string(template, day=date(2024, 5, 1), n=1234567) == "2024-05-01 · 1,234,567 · 1,234"


def test_plurals_follow_portuguese_rules(portuguese):
    from flask import render_template_string

    template = '{{ ngettext("%(num)s article", "%(num)s articles", n) }}'
    with portuguese.test_request_context("/"):
        shown = [render_template_string(template, n=n) for n in (0, 1, 2)]
    assert shown == ["0 artigo", "1 artigo", "2 artigos"]  # pt-BR: the singular for 0 and 1
