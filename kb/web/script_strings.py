"""What kb/static's scripts say, in the reader's language: the gettext domain ``scripts`` (``babel-scripts.cfg``).

A script marks each string a person reads with ``t("...")`` or ``tn("one", "many", n)`` (kb/static/i18n.js). Help-center
pages carry their locale's translations in ``<script type="application/json" id="kb-strings">`` (templates/base.html,
``kb_script_strings()``); /beacon.js carries every configured locale's (:func:`beacon_strings`) and chooses in the
browser. Either way the strings are ``{"messages": {msgid: msgstr, singular: [forms]}, "plural": "n > 1"}``: only the
msgids the scripts use (extracted from kb/static once per process) that the catalog translates, and the catalog's
plural rule (gettext's C expression of ``n``). English, or a locale without a catalog, has no messages: the scripts
show their text as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract
from babel.support import Translations
from flask import current_app

from kb.config import TRANSLATIONS
from kb.content.locales import Locale, configured
from kb.web.i18n import current_locale

DOMAIN = "scripts"
KEYWORDS = {"t": None, "tn": (1, 2)}  # as babel-scripts.cfg: t(msgid), tn(singular, plural, n)
ENGLISH_PLURAL = "n != 1"
# what /beacon.js serves, in this order (kb/web/beacon.py's PARTS)
BEACON_SCRIPTS = ("send.js", "highlight.js", "beacon.js")
BEACON_ONLY = ("beacon.js",)  # no page loads it: /beacon.js carries its strings itself

Msgid = str | tuple[str, str]  # a plural message is (singular, plural)


def init_app(app) -> None:
    """``kb_script_strings()`` for templates; the scripts' msgids are read now, once."""
    script_msgids(app.static_folder)

    @app.context_processor
    def inject_script_strings():
        return {"kb_script_strings": page_strings}


def page_strings() -> dict:
    """The strings of the request's locale for the pages' scripts (the page's ``#kb-strings``)."""
    names = [name for name in script_msgids(current_app.static_folder) if name not in BEACON_ONLY]
    return locale_strings(current_locale(), msgids_of(current_app.static_folder, names))


def beacon_strings(app) -> dict[str, dict]:
    """``{tag: strings}`` for every configured locale, default first, with the msgids of the beacon's scripts."""
    return strings_by_tag(configured(app.config), app.static_folder)


def strings_by_tag(locales: Iterable[Locale], static_folder: str | Path) -> dict[str, dict]:
    """``{tag: strings}`` of ``locales`` for what /beacon.js serves (``BEACON_SCRIPTS``)."""
    ids = msgids_of(static_folder, BEACON_SCRIPTS)
    return {locale.tag: locale_strings(locale, ids) for locale in locales}


def msgids_of(static_folder: str | Path, names: Iterable[str] | None = None) -> tuple[Msgid, ...]:
    """The msgids of the scripts ``names`` (all of kb/static's when None), each once."""
    by_file = script_msgids(str(static_folder))
    chosen = by_file.keys() if names is None else names
    return tuple(dict.fromkeys(msgid for name in chosen for msgid in by_file.get(name, ())))


@lru_cache(maxsize=8)
def script_msgids(static_folder: str) -> dict[str, tuple[Msgid, ...]]:
    """Each script's msgids, by file name, in the order they appear."""
    found = {}
    for path in sorted(Path(static_folder).glob("*.js")):
        with path.open("rb") as source:
            messages = (message for _, message, _, _ in extract("javascript", source, keywords=KEYWORDS))
            found[path.name] = tuple(dict.fromkeys(messages))
    return found


def locale_strings(locale: Locale, ids: tuple[Msgid, ...]) -> dict:
    """The translations of ``ids`` in ``locale``'s ``scripts`` catalog, and its plural rule (a fresh dict)."""
    messages, plural = _translated(locale.babel, ids, str(TRANSLATIONS))
    return {"messages": dict(messages), "plural": plural}


@lru_cache(maxsize=64)
def _translated(babel_locale: str, ids: tuple[Msgid, ...], directory: str) -> tuple[tuple, str]:
    translations = Translations.load(directory, [babel_locale], domain=DOMAIN)
    catalog = getattr(translations, "_catalog", {})  # gettext's: {msgid: msgstr, (singular, form): msgstr}
    messages = []
    for msgid in ids:
        if isinstance(msgid, tuple):
            forms = []
            while catalog.get((msgid[0], len(forms))):
                forms.append(catalog[msgid[0], len(forms)])
            if forms:
                messages.append((msgid[0], forms))
        elif catalog.get(msgid):
            messages.append((msgid, catalog[msgid]))
    return tuple(messages), plural_rule(getattr(translations, "_info", {}).get("plural-forms", ""))


def plural_rule(header: str) -> str:
    """``nplurals=2; plural=(n > 1);`` -> ``(n > 1)``; English's when there is none."""
    found = re.search(r"plural\s*=\s*([^;]+)", header)
    return found.group(1).strip() if found else ENGLISH_PLURAL
