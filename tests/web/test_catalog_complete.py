"""The pt-BR catalog is complete and compiled, and no interface text escapes translation.

Every message the templates and kb's Python mark (extracted with babel.cfg, as ``make messages`` does) must have a
translation that is not fuzzy; the compiled .mo kept in git must hold what the .po says (``make catalogs``); and a
Portuguese help center's pages must show no English interface words outside articles and code.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from kb.config import PROJECT_ROOT
from kb.web.i18n import TRANSLATIONS
from tests.fixtures.app import make_app, make_config, shut_down

CATALOG = TRANSLATIONS / "pt_BR" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}  # the Makefile's -k options


def extracted() -> dict:
    """msgid (a string, or a tuple for plurals) -> where it is used, from every file babel.cfg names."""
    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else tuple(message[:2])
        found.setdefault(key, f"{filename}:{lineno}")
    return found


def read_catalog():
    with open(CATALOG / "messages.po", "rb") as po:
        return read_po(po)


def test_extraction_finds_the_interface():
    messages = extracted()
    assert "Was this article helpful?" in messages  # a template
    assert "Thanks for your feedback!" in messages  # kb/web Python
    assert ("%(num)s article", "%(num)s articles") in messages  # a plural
    assert not [m for m in messages if "kb/static" in messages[m]]  # the scripts have a domain of their own


def test_every_message_is_translated():
    catalog = read_catalog()
    problems = []
    for msgid, where in sorted(extracted().items(), key=str):
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where})")
        elif not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            problems.append(f"empty: {msgid!r} ({where})")
    assert not problems, "kb/translations/pt_BR is not complete (run `make messages`, translate):\n" + "\n".join(
        problems
    )


def test_the_catalog_has_portuguese_plural_forms():
    catalog = read_catalog()
    assert (catalog.num_plurals, catalog.plural_expr) == (2, "(n > 1)")
    assert not catalog.fuzzy


def test_placeholders_are_kept():
    names = re.compile(r"%\((\w+)\)s")
    for entry in read_catalog():
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(names.findall(ids[-1])) | ({"num"} & set(names.findall(ids[0])))
        for text in strings:
            assert set(names.findall(text)) <= set(names.findall(" ".join(ids))), entry.id
            assert wanted - {"count", "num"} <= set(names.findall(text)), entry.id


def test_the_compiled_catalog_matches_the_po():
    def entries(catalog) -> dict:
        plain = lambda value: value if isinstance(value, str) else tuple(value)  # noqa: E731
        return {plain(m.id): plain(m.string) for m in catalog if m.id and not m.fuzzy}

    with open(CATALOG / "messages.mo", "rb") as mo:
        compiled = entries(read_mo(mo))
    written = entries(read_catalog())
    assert compiled == written, "messages.mo is stale: run `make catalogs`"


ENGLISH = [
    "Search",
    "Contact us",
    "Was this article helpful",
    "Related articles",
    "results",
    "Home",
    "Categories",
    "Popular articles",
    "Recently updated",
    "How can we help",
    "Send",
    "Your name",
    "Subject",
    "Previous",
    "Next",
    "Updated",
    "article",
    "Skip to content",
    "suggestions",
    "Yes",
]
SKIPPED_TAGS = {"code", "pre", "script", "style"}
CONTENT_CLASSES = {"article-body", "result-snippet"}  # what the articles say, not the interface


class InterfaceText(HTMLParser):
    """The text a person reads (text and the attributes shown or spoken), outside code and article bodies."""

    SHOWN = ("placeholder", "aria-label", "title", "alt", "content")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # for each open element: is its content skipped?

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        skipped = bool(self.stack and self.stack[-1]) or tag in SKIPPED_TAGS or bool(classes & CONTENT_CLASSES)
        if not skipped and not (tag == "meta" and attrs.get("property", "").startswith("og:")):
            self.parts += [attrs[name] for name in self.SHOWN if attrs.get(name)]
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def interface_text(html: str, content: list[str]) -> str:
    parser = InterfaceText()
    parser.feed(html)
    text = " ".join(parser.parts)
    for words in sorted(content, key=len, reverse=True):  # titles and summaries are the articles' words
        text = text.replace(words, " ")
    return text


@pytest.fixture
def portuguese(built_data_dir, tmp_path):
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", LOCALES="pt-BR"))
    yield app
    shut_down(app)


def site_content(app) -> list[str]:
    from kb.index.serving import get_build

    with app.test_request_context("/"):
        site = get_build().site
        content = [app.config["SITE_NAME"]]
        for page in site.pages.values():
            content += [page.title, page.summary or "", *(entry["title"] for entry in page.toc or [])]
            content += [child["title"] for entry in page.toc or [] for child in entry.get("children") or []]
        for slug, category in site.categories.items():
            content += [slug, category.title, category.description or ""]
    return [words for words in content if words]


@pytest.mark.parametrize("url", ["/", "/articles/reset-password", "/search?q=password", "/search?q=zzqx", "/contact"])
def test_no_english_interface_text_in_portuguese_pages(portuguese, url):
    response = portuguese.test_client().get(url)
    assert response.status_code == 200
    text = interface_text(response.get_data(as_text=True), site_content(portuguese))
    left = [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
    assert not left, f"English on {url} outside _(): {left}\n{' '.join(text.split())[:3000]}"
