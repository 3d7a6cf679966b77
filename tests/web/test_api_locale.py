"""The API in a bilingual help center: ``locale`` picks the edition (or the text's language does), tickets keep
the language they were written in, the agent sees it, and analytics count each language apart."""

from __future__ import annotations

import json
import re

import pytest

from kb import auth
from kb.desk import tickets
from kb.web.integrations import webhook_signature
from tests.fixtures.agents import ADMIN, BEARER, PASSWORD, WEBHOOK_SECRET, signed_in
from tests.fixtures.analytics import BROWSER, rows
from tests.fixtures.app import csrf_token, make_app, make_config, shut_down

PORTUGUESE_QUESTION = "Esqueci minha senha e não consigo entrar na minha conta. O que devo fazer?"
ENGLISH_QUESTION = "I forgot my password and cannot sign in to my account. What should I do?"
PORTUGUESE_TICKET = {"name": "Ana", "email": "ana@example.com", "subject": "Senha", "message": PORTUGUESE_QUESTION}
ADMIN_BEARER = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def visitor(i18n_app):
    """A customer's browser (bots are not counted), with an address of its own."""
    client = i18n_app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": BROWSER["User-Agent"], "REMOTE_ADDR": "203.0.113.7"})
    return client


def urls(answer: dict, key: str = "results") -> list[str]:
    return [item["url"] for item in answer[key]]


def assert_locale_error(response) -> None:
    assert response.status_code == 400
    assert response.is_json
    assert "`locale`" in response.get_json()["error"]["message"]


def stored_locale(app, ticket_id: int) -> str | None:
    with app.app_context():
        return tickets.get(ticket_id)["locale"]


# Search


@pytest.mark.parametrize("locale", ["pt-BR", "pt-br", "pt_BR", "pt", "pt-PT"])
def test_search_locale_picks_the_portuguese_edition(i18n_client, locale):
    response = i18n_client.get("/api/v1/search", query_string={"q": "senha", "locale": locale})
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["locale"] == "pt-BR"
    assert answer["results"] and all(url.startswith("/pt-br/articles/") for url in urls(answer))
    assert "/pt-br/articles/reset-password" in [url.split("#")[0] for url in urls(answer)]


@pytest.mark.parametrize("locale", ["en", "en-GB", "de", "fr-FR", "zh", "es-419"])
def test_search_locale_of_another_language_gets_the_default_edition(i18n_client, locale):
    answer = i18n_client.get("/api/v1/search", query_string={"q": "password", "locale": locale}).get_json()
    assert answer["locale"] == "en"
    assert answer["results"] and all(url.startswith("/articles/") for url in urls(answer))


@pytest.mark.parametrize("locale", ["!!", "12", "pt--BR", "-pt", "en us", "p"])
def test_a_malformed_search_locale_is_a_400_naming_it(i18n_client, locale):
    response = i18n_client.get("/api/v1/search", query_string={"q": "password", "locale": locale})
    assert_locale_error(response)
    assert response.get_json()["error"]["code"] == "invalid_parameter"


@pytest.mark.parametrize("locale", ["zh-Hant", "sr-Latn-RS"])
def test_a_well_formed_tag_with_a_script_gets_the_default_edition(i18n_client, locale):
    response = i18n_client.get("/api/v1/search", query_string={"q": "password", "locale": locale})
    assert response.status_code == 200
    assert response.get_json()["locale"] == "en"


def test_an_empty_search_locale_counts_as_none(i18n_client):
    response = i18n_client.get("/api/v1/search?q=password&locale=")
    assert response.status_code == 200
    assert response.get_json()["locale"] == "en"


@pytest.mark.parametrize(
    ("query", "locale", "prefix"),
    [
        ("como redefinir a minha senha esquecida", "pt-BR", "/pt-br/articles/"),
        ("how do I reset my forgotten password", "en", "/articles/"),
        ("senha", "en", "/articles/"),  # one word: too little to tell, so the default
    ],
)
def test_without_a_locale_search_detects_the_querys_language(i18n_client, query, locale, prefix):
    answer = i18n_client.get("/api/v1/search", query_string={"q": query}).get_json()
    assert answer["locale"] == locale
    assert all(url.startswith(prefix) for url in urls(answer))


def test_portuguese_api_search_reads_portuguese(i18n_client):
    answer = i18n_client.get("/api/v1/search?q=configuracao&locale=pt-BR").get_json()
    assert urls(answer) == ["/pt-br/articles/autenticacao-em-dois-fatores#configure"]
    assert i18n_client.get("/api/v1/search?q=configuracao&locale=en").get_json()["results"] == []


def test_the_portuguese_api_proposes_portuguese_words(i18n_client):
    assert i18n_client.get("/api/v1/search?q=sehna&locale=pt-BR").get_json()["did_you_mean"] == "senha"
    assert i18n_client.get("/api/v1/search?q=sehna&locale=en").get_json()["did_you_mean"] != "senha"


# Suggestions


def test_suggest_post_with_a_locale(i18n_client):
    response = i18n_client.post("/api/v1/suggest", json={"text": "esqueci minha senha", "locale": "pt-BR"})
    answer = response.get_json()
    assert response.status_code == 200 and answer["locale"] == "pt-BR"
    assert answer["suggestions"] and all(url.startswith("/pt-br/articles/") for url in urls(answer, "suggestions"))


@pytest.mark.parametrize(
    "body",
    [
        {"text": PORTUGUESE_QUESTION},
        {"messages": [{"role": "customer", "text": PORTUGUESE_QUESTION}]},
        {
            "messages": [
                {"role": "agent", "text": "Hello! How can I help?"},
                {"role": "customer", "text": PORTUGUESE_QUESTION},
            ]
        },
    ],
)
def test_suggest_post_detects_what_the_customer_wrote(i18n_client, body):
    answer = i18n_client.post("/api/v1/suggest", json=body).get_json()
    assert answer["locale"] == "pt-BR"
    assert all(url.startswith("/pt-br/articles/") for url in urls(answer, "suggestions"))


def test_suggest_post_in_english_stays_english(i18n_client):
    answer = i18n_client.post("/api/v1/suggest", json={"text": ENGLISH_QUESTION}).get_json()
    assert answer["locale"] == "en"
    assert answer["suggestions"] and all(url.startswith("/articles/") for url in urls(answer, "suggestions"))


def test_a_given_locale_beats_the_detected_language(i18n_client):
    answer = i18n_client.post("/api/v1/suggest", json={"text": PORTUGUESE_QUESTION, "locale": "en"}).get_json()
    assert answer["locale"] == "en"
    assert all(url.startswith("/articles/") for url in urls(answer, "suggestions"))


@pytest.mark.parametrize("locale", [5, "!!", ["pt-BR"], True])
def test_a_malformed_suggest_locale_is_a_400_naming_it(i18n_client, locale):
    assert_locale_error(i18n_client.post("/api/v1/suggest", json={"text": "forgot password", "locale": locale}))


def test_suggest_get_with_a_locale_or_detected(i18n_client):
    given = i18n_client.get("/api/v1/suggest", query_string={"q": "esqueci minha senha", "locale": "pt"}).get_json()
    detected = i18n_client.get("/api/v1/suggest", query_string={"q": PORTUGUESE_QUESTION}).get_json()
    for answer in (given, detected):
        assert answer["locale"] == "pt-BR"
        assert answer["suggestions"] and all(u.startswith("/pt-br/articles/") for u in urls(answer, "suggestions"))
    assert_locale_error(i18n_client.get("/api/v1/suggest", query_string={"q": "senha", "locale": "!!"}))


# Tickets


@pytest.mark.parametrize(
    ("extra", "locale"),
    [
        ({"locale": "pt-BR"}, "pt-BR"),
        ({"locale": "pt"}, "pt-BR"),
        ({}, "pt-BR"),  # detected from the subject and message
        ({"locale": "en"}, "en"),  # given beats detected
        ({"locale": "fr"}, "en"),  # a language the help center does not have: the default
    ],
)
def test_a_ticket_stores_its_locale(i18n_app, i18n_client, extra, locale):
    response = i18n_client.post("/api/v1/tickets", json={**PORTUGUESE_TICKET, **extra})
    assert response.status_code == 201, response.get_json()
    assert stored_locale(i18n_app, response.get_json()["id"]) == locale


def test_an_english_ticket_is_english(i18n_app, i18n_client):
    ticket = {**PORTUGUESE_TICKET, "subject": "Password", "message": ENGLISH_QUESTION}
    assert stored_locale(i18n_app, i18n_client.post("/api/v1/tickets", json=ticket).get_json()["id"]) == "en"


def test_a_portuguese_tickets_problems_are_in_portuguese(i18n_client):
    sent = {"email": "ana@example.com", "message": "x" * 20, "subject": "s" * 400, "locale": "pt-BR"}
    response = i18n_client.post("/api/v1/tickets", json=sent)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert fields == {"name": "é obrigatório", "subject": "é longo demais (no máximo 300 caracteres)"}
    english = i18n_client.post("/api/v1/tickets", json={**sent, "locale": "en"}).get_json()["error"]
    assert english["fields"]["name"] == "is required"
    assert "`name` is required" in english["message"]


@pytest.mark.parametrize("locale", ["!!", 7, {"tag": "pt"}])
def test_a_ticket_with_a_malformed_locale_is_refused_and_not_stored(i18n_app, i18n_client, locale):
    assert_locale_error(i18n_client.post("/api/v1/tickets", json={**PORTUGUESE_TICKET, "locale": locale}))
    with i18n_app.app_context():
        assert tickets.get(1) is None


def submit_contact_form(client, path: str, **fields) -> None:
    token = csrf_token(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == f"{path}/sent"


def test_the_contact_form_stores_its_pages_locale(i18n_app, i18n_client):
    form = {"name": "Ana", "email": "ana@example.com", "subject": "Password", "message": ENGLISH_QUESTION}
    submit_contact_form(i18n_client, "/pt-br/contact", **form)  # the page's language, whatever was written
    submit_contact_form(i18n_client, "/contact", **{**form, "message": PORTUGUESE_QUESTION})
    assert [stored_locale(i18n_app, 1), stored_locale(i18n_app, 2)] == ["pt-BR", "en"]


# What the agent sees


def ticket_page(app, ticket_id: int) -> str:
    return signed_in(app, "dana@example.com").get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)


def suggested_links(html: str) -> list[str]:
    return re.findall(r'href="(/[^"]*articles/[^"#]*)', html)


def test_the_ticket_list_says_each_tickets_language(i18n_team):
    client = i18n_team.test_client()
    client.post("/api/v1/tickets", json={**PORTUGUESE_TICKET, "locale": "pt-BR"})
    client.post("/api/v1/tickets", json={**PORTUGUESE_TICKET, "message": ENGLISH_QUESTION, "locale": "en"})
    html = signed_in(i18n_team, "dana@example.com").get("/agent/").get_data(as_text=True)
    assert sorted(re.findall(r'<span class="badge" data-ticket-locale title="Language">([^<]+)</span>', html)) == [
        "en",
        "pt-BR",
    ]


def test_the_agent_sees_the_tickets_language_and_suggestions_in_it(i18n_team):
    client = i18n_team.test_client()
    portuguese = client.post("/api/v1/tickets", json={**PORTUGUESE_TICKET, "locale": "pt-BR"}).get_json()["id"]
    english = client.post("/api/v1/tickets", json={**PORTUGUESE_TICKET, "message": ENGLISH_QUESTION}).get_json()["id"]

    html = ticket_page(i18n_team, portuguese)
    # the language's name, in itself or in the agent's language (the agent view is English here)
    assert re.search(r"<span data-ticket-language>Written in (Português \(Brasil\)|Portuguese \(Brazil\))</span>", html)
    links = suggested_links(html)
    assert "/pt-br/articles/reset-password" in links
    assert all(link.startswith("/pt-br/articles/") for link in links)

    html = ticket_page(i18n_team, english)
    assert "<span data-ticket-language>Written in English</span>" in html
    links = suggested_links(html)
    assert "/articles/reset-password" in links and not any(link.startswith("/pt-br/") for link in links)


def test_a_one_language_agent_view_does_not_name_the_language(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    try:
        with app.app_context():
            auth.add_agent("dana@example.com", PASSWORD, name="Dana")
        ticket_id = app.test_client().post("/api/v1/tickets", json=PORTUGUESE_TICKET).get_json()["id"]
        assert stored_locale(app, ticket_id) == "en"
        assert "data-ticket-language" not in ticket_page(app, ticket_id)
    finally:
        shut_down(app)


# The agent API and the webhook


AGENT_TICKET = {"subject": "Senha", "body": PORTUGUESE_QUESTION}


def post_webhook(client, payload, *, signed: bool):
    raw = json.dumps(payload).encode()
    headers = {"X-KB-Signature": webhook_signature(raw, WEBHOOK_SECRET)} if signed else BEARER
    return client.post("/integrations/webhook", data=raw, headers={"Content-Type": "application/json", **headers})


def agent_suggest(client, payload, *, via: str):
    if via == "agent-api":
        return client.post("/api/v1/agent/suggest", json=payload, headers=BEARER)
    return post_webhook(client, payload, signed=via == "signed-webhook")


VIAS = ["agent-api", "webhook", "signed-webhook"]


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("extra", [{"locale": "pt-BR"}, {"locale": "pt"}, {}])
def test_agent_suggestions_in_the_tickets_language(i18n_client, via, extra):
    response = agent_suggest(i18n_client, {**AGENT_TICKET, **extra}, via=via)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["locale"] == "pt-BR"
    assert answer["suggestions"] and all(url.startswith("/pt-br/articles/") for url in urls(answer, "suggestions"))


@pytest.mark.parametrize("via", VIAS)
def test_agent_suggestions_for_an_english_ticket_or_an_unknown_language(i18n_client, via):
    for payload in ({"subject": "Password", "body": ENGLISH_QUESTION}, {**AGENT_TICKET, "locale": "ja"}):
        answer = agent_suggest(i18n_client, payload, via=via).get_json()
        assert answer["locale"] == "en"
        assert all(url.startswith("/articles/") for url in urls(answer, "suggestions"))


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("locale", ["!!", 3])
def test_agent_suggestions_refuse_a_malformed_locale(i18n_client, via, locale):
    assert_locale_error(agent_suggest(i18n_client, {**AGENT_TICKET, "locale": locale}, via=via))


def test_the_agent_api_detects_the_customers_messages_not_the_agents(i18n_client):
    messages = [
        {"role": "agent", "text": "Hello, thanks for writing in! What can we help you with today, exactly?"},
        {"role": "customer", "text": PORTUGUESE_QUESTION},
    ]
    answer = i18n_client.post("/api/v1/agent/suggest", json={"messages": messages}, headers=BEARER).get_json()
    assert answer["locale"] == "pt-BR"


# Events


def test_each_page_event_carries_the_pages_locale(i18n_app, visitor):
    visitor.get("/pt-br/search?q=senha")
    visitor.get("/search?q=password")
    visitor.get("/pt-br/articles/reset-password")
    page = visitor.get("/articles/reset-password").get_data(as_text=True)
    visitor.post("/articles/reset-password/feedback", data={"helpful": "yes", "csrf_token": csrf_token(page)})
    page = visitor.get("/pt-br/articles/reset-password").get_data(as_text=True)
    visitor.post("/pt-br/articles/reset-password/feedback", data={"helpful": "no", "csrf_token": csrf_token(page)})
    recorded = [(r["type"], r["query"] or r["article"], r["locale"]) for r in rows(i18n_app)]
    assert recorded == [
        ("search", "senha", "pt-BR"),
        ("search", "password", "en"),
        ("view", "reset-password", "pt-BR"),
        ("view", "reset-password", "en"),
        ("helpful", "reset-password", "en"),
        ("view", "reset-password", "pt-BR"),
        ("helpful", "reset-password", "pt-BR"),
    ]


def test_api_and_ticket_events_carry_the_requests_locale(i18n_app, visitor):
    visitor.get("/api/v1/search?q=senha&locale=pt-BR")
    visitor.get(f"/api/v1/search?q={ENGLISH_QUESTION}")
    submit_contact_form(
        visitor, "/pt-br/contact", name="Ana", email="ana@example.com", subject="Senha", message=PORTUGUESE_QUESTION
    )
    recorded = [(r["type"], r["surface"], r["locale"]) for r in rows(i18n_app)]
    assert ("search", "api", "pt-BR") in recorded and ("search", "api", "en") in recorded
    assert ("ticket_submitted", "contact_form", "pt-BR") in recorded


def test_a_client_event_may_say_its_locale(i18n_app, visitor):
    batch = {
        "events": [
            {"type": "search", "query": "senha", "surface": "beacon", "locale": "pt-br"},
            {"type": "search", "query": "password", "surface": "beacon", "locale": "en"},
        ]
    }
    assert visitor.post("/api/v1/events", json=batch).status_code == 202
    assert [(r["query"], r["locale"]) for r in rows(i18n_app, "search")] == [("senha", "pt-BR"), ("password", "en")]


@pytest.mark.parametrize("locale", ["!!", 3, "", "english please"])
def test_a_client_event_with_a_malformed_locale_refuses_the_batch(i18n_app, visitor, locale):
    batch = {"events": [{"type": "search", "query": "ok"}, {"type": "search", "query": "senha", "locale": locale}]}
    response = visitor.post("/api/v1/events", json=batch)
    assert response.status_code == 400
    assert "events[1].locale" in response.get_json()["error"]["message"]
    assert rows(i18n_app) == []


def test_a_batchs_locale_applies_to_its_events(i18n_app, visitor):
    batch = {"events": [{"type": "search", "query": "senha", "surface": "beacon"}], "locale": "pt-BR"}
    assert visitor.post("/api/v1/events", json=batch).status_code == 202
    assert [r["locale"] for r in rows(i18n_app, "search")] == ["pt-BR"]


def test_agent_suggestions_shown_for_a_portuguese_ticket_are_portuguese_events(i18n_team):
    ticket_id = i18n_team.test_client().post("/api/v1/tickets", json=PORTUGUESE_TICKET).get_json()["id"]
    ticket_page(i18n_team, ticket_id)
    assert [r["locale"] for r in rows(i18n_team, "suggestion_shown")] == ["pt-BR"]


# The dashboard and the stats API, per language


def searches_in_both_languages(visitor) -> None:
    for url in (
        "/pt-br/search?q=senha",
        "/pt-br/search?q=xilofone",
        "/pt-br/search?q=xilofone+quebrado",
        "/search?q=password",
        "/search?q=xylophone",
    ):
        visitor.get(url)


def stats(client, query: str = "") -> dict:
    response = client.get(f"/api/v1/admin/stats{query}", headers=ADMIN_BEARER)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_stats_api_filters_by_locale(i18n_client, visitor):
    searches_in_both_languages(visitor)
    everything, portuguese, english = (
        stats(i18n_client),
        stats(i18n_client, "?locale=pt-BR"),
        stats(i18n_client, "?locale=en"),
    )
    assert (everything["locale"], portuguese["locale"], english["locale"]) == (None, "pt-BR", "en")
    assert (everything["searches"], portuguese["searches"], english["searches"]) == (5, 3, 2)
    assert stats(i18n_client, "?locale=pt-br")["searches"] == 3  # any spelling of the tag


def test_the_stats_api_refuses_a_malformed_locale(i18n_client):
    response = i18n_client.get("/api/v1/admin/stats?locale=!!", headers=ADMIN_BEARER)
    assert_locale_error(response)


def test_content_gaps_are_grouped_per_language(i18n_client, visitor):
    searches_in_both_languages(visitor)
    gaps = stats(i18n_client)["content_gaps"]
    by_locale = {gap["locale"]: sorted(q["query"] for q in gap["queries"]) for gap in gaps}
    assert by_locale == {"pt-BR": ["xilofone", "xilofone quebrado"], "en": ["xylophone"]}
    assert [gap["locale"] for gap in gaps] == ["pt-BR", "en"]  # the biggest first

    [portuguese] = stats(i18n_client, "?locale=pt-BR")["content_gaps"]
    assert "locale" not in portuguese  # one language: no need to say which
    assert portuguese["count"] == 2


def test_gaps_of_a_period_with_one_language_do_not_say_it(i18n_client, visitor):
    visitor.get("/pt-br/search?q=xilofone")
    [gap] = stats(i18n_client)["content_gaps"]
    assert "locale" not in gap and gap["label"] == "xilofone"


def language_select(html: str) -> str:
    match = re.search(r'<select id="period-locale" name="locale">.*?</select>', html, re.S)
    assert match, "no Language select"
    return match[0]


def test_the_dashboard_has_a_language_select_and_filters_by_it(i18n_team):
    visitor = i18n_team.test_client()
    visitor.environ_base["HTTP_USER_AGENT"] = BROWSER["User-Agent"]
    searches_in_both_languages(visitor)
    admin = signed_in(i18n_team, "boss@example.com")

    html = admin.get("/admin/").get_data(as_text=True)
    select = language_select(html)
    assert '<option value="" selected>All languages</option>' in select
    assert '<option value="en" lang="en">English</option>' in select
    assert '<option value="pt-BR" lang="pt-BR">Português (Brasil)</option>' in select
    assert re.findall(r"data-gap-locale>([^<]+)<", html) == ["pt-BR", "en"]

    response = admin.get("/admin/?locale=pt-BR")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<option value="pt-BR" lang="pt-BR" selected>' in language_select(html)
    gaps = re.findall(r"<li data-gap><strong[^>]*>([^<]+)</strong>", html)
    assert gaps == ["xilofone"]
    assert "data-gap-locale" not in html


def test_a_one_language_dashboard_has_no_language_select(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    try:
        with app.app_context():
            auth.add_agent("boss@example.com", PASSWORD, role="admin")
        response = signed_in(app, "boss@example.com").get("/admin/")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'name="from"' in html  # the period form is there
        assert 'id="period-locale"' not in html and "All languages" not in html
    finally:
        shut_down(app)


def test_the_cli_searches_and_suggests_in_a_locale(i18n_app):
    runner = i18n_app.test_cli_runner()
    found = runner.invoke(args=["search", "como redefinir minha senha", "--json"])  # the language is detected
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["results"][0]["url"].startswith("/pt-br/articles/reset-password")
    chosen = runner.invoke(args=["suggest", "senha", "--locale", "pt-BR", "--json"])
    assert chosen.exit_code == 0, chosen.output
    assert all(s["url"].startswith("/pt-br/") for s in json.loads(chosen.output)["suggestions"])
    refused = runner.invoke(args=["search", "senha", "--locale", "!!"])
    assert refused.exit_code == 2 and "--locale" in refused.output
