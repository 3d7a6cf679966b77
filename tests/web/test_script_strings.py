"""The scripts' own gettext domain, ``scripts``: every string kb/static marks with t()/tn() is translated, the
compiled catalog is the one written, and pages and the beacon carry the strings of their locales."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from kb.config import PROJECT_ROOT
from kb.web import script_strings
from tests.fixtures.app import make_app, make_config

STATIC = PROJECT_ROOT / "kb" / "static"
TRANSLATIONS = PROJECT_ROOT / "kb" / "translations"
PO = TRANSLATIONS / "pt_BR" / "LC_MESSAGES" / "scripts.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
STRINGS = re.compile(r'<script type="application/json" id="kb-strings">(.*?)</script>', re.S)


def used_msgids() -> tuple:
    return script_strings.msgids_of(STATIC)


def catalog():
    with PO.open("rb") as po:
        return read_po(po, locale="pt_BR", domain="scripts")


def placeholders(*texts: str) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def page_strings(client, path: str = "/") -> dict:
    response = client.get(path)
    assert response.status_code == 200
    found = STRINGS.search(response.get_data(as_text=True))
    assert found, f"{path} has no #kb-strings"
    return json.loads(found.group(1))


def test_the_scripts_mark_their_strings():
    ids = used_msgids()
    assert len(ids) >= 30
    assert {"Help", "Did this answer your question?", "Copy", "Copied"} <= set(ids)


def test_every_string_the_scripts_use_is_translated_into_portuguese():
    messages = catalog()
    assert messages.plural_expr.replace(" ", "") in ("(n>1)", "n>1")
    for msgid in used_msgids():
        message = messages.get(msgid)
        assert message is not None, f"{msgid!r} is not in {PO.name}: run the scripts' pybabel extract and update"
        assert not message.fuzzy, f"{msgid!r} is fuzzy in {PO.name}"
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(f.strip() for f in forms), f"{msgid!r} has no translation in {PO.name}"
        wanted = placeholders(*(msgid if isinstance(msgid, tuple) else (msgid,)))
        for form in forms:
            assert placeholders(form) == wanted, f"{msgid!r} -> {form!r}: the placeholders differ"


def test_the_template_and_the_catalog_hold_exactly_the_strings_used():
    with (TRANSLATIONS / "scripts.pot").open("rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    used = set(used_msgids())
    assert template == used, "kb/translations/scripts.pot is stale: run the scripts' pybabel extract"
    assert {m.id for m in catalog() if m.id} == used, f"{PO.name} is stale: run the scripts' pybabel update"


def test_the_compiled_catalog_is_the_written_one():
    with MO.open("rb") as mo:
        compiled = read_mo(mo)
    written = catalog()
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in written if m.id and m.string}
    assert compiled.plural_forms == written.plural_forms


def test_portuguese_pages_carry_their_strings(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, LOCALES="pt-BR", DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    strings = page_strings(app.test_client())
    assert strings["messages"]["Copy"] == "Copiar"
    assert strings["messages"]["Copied"] == "Copiado"
    assert strings["plural"].replace(" ", "") in ("(n>1)", "n>1")
    assert "Did this answer your question?" not in strings["messages"]  # the beacon's own: /beacon.js has it


@pytest.mark.parametrize("path", ["/", "/contact", "/search?q=invoices"])
def test_english_pages_carry_no_messages(client, path):
    assert page_strings(client, path) == {"messages": {}, "plural": "n != 1"}


def test_the_pages_load_t_before_their_scripts(client):
    html = client.get("/contact").get_data(as_text=True)
    sources = re.findall(r'<script src="[^"]*/static/([\w.]+)[^"]*"', html)
    assert sources[0] == "i18n.js", sources
    assert html.index('id="kb-strings"') < html.index("<script src=")


def test_the_beacon_carries_every_locale_and_its_strings(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, LOCALES="en,pt-BR", DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    client = app.test_client()
    response = client.get("/beacon.js")
    body = response.get_data(as_text=True)
    lines = body.split("\n")
    assert lines[1] == "(function () {"  # inside the closure: nothing reaches the host page's globals
    assert json.loads(re.fullmatch(r"var KB_LOCALES = (.*);", lines[2]).group(1)) == ["en", "pt-BR"]
    strings = json.loads(re.fullmatch(r"var KB_STRINGS = (.*);", lines[3]).group(1))
    assert list(strings) == ["en", "pt-BR"]
    assert strings["en"] == {"messages": {}, "plural": "n != 1"}
    portuguese = strings["pt-BR"]["messages"]
    assert portuguese["Did this answer your question?"] == "Isso respondeu à sua pergunta?"
    assert portuguese["Yes"] == "Sim" and portuguese["No"] == "Não" and portuguese["Contact us"] == "Fale conosco"
    assert "Copy" not in portuguese  # only what the beacon's scripts say
    assert response.headers["ETag"] == '"' + hashlib.sha256(response.data).hexdigest()[:32] + '"'
    assert client.get("/beacon.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_beacon_strings_are_those_of_every_configured_locale(app):
    app.config["LOCALES"] = "pt-BR,en"
    strings = script_strings.beacon_strings(app)
    assert list(strings) == ["pt-BR", "en"]
    assert strings["pt-BR"]["messages"]["Help"] == "Ajuda"


@pytest.mark.parametrize(
    ("header", "rule"),
    [("nplurals=2; plural=(n > 1);", "(n > 1)"), ("nplurals=1; plural=0", "0"), ("", "n != 1")],
)
def test_the_plural_rule_is_read_from_the_catalog_header(header, rule):
    assert script_strings.plural_rule(header) == rule
