"""Which locale a request is in, and the help center's pages in every locale.

The default locale's pages keep their URLs (``/articles/<slug>``); every other locale's are the same under its
segment (``/pt-br/articles/<slug>``). A view registered with :func:`localized` answers both, and ``url_for``
inside a request keeps its locale, so templates link within the visitor's language without saying so. The
home page alone picks a locale: the visitor's choice (a cookie set by the language switcher), else the
browser's ``Accept-Language``. No other URL redirects.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import gettext
from werkzeug.routing import BaseConverter

from kb.content.locales import Locale, by_segment, canonical, configured, tag_problem
from kb.errors import APIError
from kb.index.serving import get_default_build
from search.analysis import detect_language

COOKIE = "kb_locale"
COOKIE_MAX_AGE = 365 * 24 * 3600
LOCALIZED: set[str] = set()  # endpoints served in every locale


def localized(bp, rule: str, **options):
    """``bp.route(rule)`` and the same rule under ``/<locale>``, for one view."""

    def register(view):
        endpoint = options.pop("endpoint", view.__name__)
        LOCALIZED.add(f"{bp.name}.{endpoint}")
        bp.add_url_rule(rule, endpoint, view, **options)
        bp.add_url_rule(f"/<locale:locale>{rule}" if rule != "/" else "/<locale:locale>/", endpoint, view, **options)
        return view

    return register


def init_app(app: Flask) -> None:
    locales = configured(app.config)
    app.url_map.converters["locale"] = _converter(locales)
    app.url_value_preprocessor(_take_locale)
    app.url_defaults(_keep_locale)
    app.context_processor(_locale_context)
    app.add_url_rule("/language/<segment>", "language", choose_language)


def _converter(locales: tuple[Locale, ...]) -> type[BaseConverter]:
    segments = "|".join(sorted((locale.segment for locale in locales[1:]), key=len, reverse=True))

    class LocaleConverter(BaseConverter):
        regex = f"(?:{segments})" if segments else "(?!)"  # one locale: no URL has a locale segment

        def to_python(self, value: str) -> Locale:
            return by_segment(locales, value) or locales[0]

        def to_url(self, value) -> str:
            return value.segment if isinstance(value, Locale) else str(value)

    return LocaleConverter


def _take_locale(endpoint: str | None, values: dict | None) -> None:
    if values and "locale" in values:
        g.kb_locale = values.pop("locale")
    elif endpoint in LOCALIZED:
        g.kb_locale = default_locale()


def _keep_locale(endpoint: str, values: dict) -> None:
    if endpoint in LOCALIZED and "locale" not in values:
        locale = g.get("kb_locale")
        if locale is not None and locale != default_locale():
            values["locale"] = locale
    elif values.get("locale") == default_locale():
        values["locale"] = None  # the default locale's URL has no segment


def default_locale() -> Locale:
    return configured(current_app.config)[0]


def request_locale() -> Locale:
    """The locale of this request: its URL's (help pages) or the one the API was given; else the default."""
    return g.get("kb_locale") or default_locale()


def find_locale(value: str | None) -> Locale | None:
    """The configured locale that ``value`` (a tag, a segment, or a language: "pt", "pt-PT") names best."""
    if not value or not isinstance(value, str):
        return None
    locales = configured(current_app.config)
    wanted = canonical(value)
    exact = next((locale for locale in locales if locale.tag.lower() == wanted.lower()), None)
    language = wanted.split("-")[0]
    return exact or next((locale for locale in locales if locale.language == language), None)


def use_locale(value, text: str = "") -> Locale:
    """Answer this API request in the locale ``value`` names (a tag such as "pt-BR" or "pt", matched to the help
    center's; a language it does not have gets the default), or, without ``value``, in the language ``text`` is
    written in (detected offline; the default when unsure). Sets it for the rest of the request.

    Raises:
        APIError: ``value`` is given but is not a language tag.
    """
    locales = configured(current_app.config)
    value = value if value != "" else None  # an empty parameter is no parameter, as for the others
    if value is not None and (not isinstance(value, str) or tag_problem(value) is not None):
        message = gettext("`locale` must be a language tag like en or pt-BR, got %(got)s", got=repr(value)[:40])
        raise APIError(message, code="invalid_parameter")
    if value:
        locale = find_locale(value) or locales[0]
    else:
        detected = detect_language(text, tuple(dict.fromkeys(locale.language for locale in locales)))
        locale = find_locale(detected) or locales[0]
    g.kb_locale = locale
    return locale


def home_redirect():
    """Where the home page sends a visitor whose language is not the default one, or None to stay."""
    locales = configured(current_app.config)
    if len(locales) < 2 or "<locale" in str(request.url_rule):  # a locale's own home page stays
        return None
    chosen = by_segment(locales, request.cookies.get(COOKIE, "")) or browser_locale()
    if chosen is None or chosen == locales[0]:
        return None
    response = redirect(url_for("help.index", locale=chosen), code=302)
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def browser_locale() -> Locale | None:
    """The configured locale the browser's ``Accept-Language`` prefers most, its quality values in order
    ("en-US,pt;q=0.5" is English); None when it names none of them."""
    for value, _quality in request.accept_languages:  # best first
        if value != "*" and (locale := find_locale(value)) is not None:
            return locale
    return None


def choose_language(segment: str):
    """The language switcher's link: remember the visitor's choice, then go to the page in that language."""
    locale = by_segment(configured(current_app.config), segment)
    target = request.args.get("next", "")
    if locale is None or not _is_local(target):
        target = url_for("help.index", locale=locale) if locale is not None else url_for("help.index")
    response = redirect(target, code=303)
    if locale is not None:
        response.set_cookie(COOKIE, locale.segment, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def _is_local(target: str) -> bool:
    parts = urlsplit(target)
    return bool(target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc)


@dataclass(frozen=True)
class Alternate:
    """This page in one locale: for hreflang links, the sitemap and the language switcher."""

    locale: Locale
    url: str
    current: bool


def alternates() -> list[Alternate]:
    """The page of this request in every locale it exists in (an article only where it is translated)."""
    locales = configured(current_app.config)
    endpoint = request.endpoint
    if len(locales) < 2 or endpoint not in LOCALIZED or request.method != "GET":
        return []
    current = request_locale()
    found = []
    for locale in locales:
        args = dict(request.view_args or {})
        if endpoint == "help.article":
            slug = translated_slug(args.get("slug", ""), current, locale)
            if slug is None:
                continue
            args["slug"] = slug
        found.append(Alternate(locale, url_for(endpoint, **args, locale=locale), locale == current))
    return found if len(found) > 1 else []


def translated_slug(slug: str, have: Locale, want: Locale) -> str | None:
    """The slug of article ``slug`` of locale ``have`` in locale ``want``, or None when it is not translated."""
    if have == want:
        return slug
    default = default_locale()
    source = slug if have == default else _source_slug(have, slug)
    if source is None:
        return None
    if want == default:
        return source if get_default_build().site.public_page(source) else None
    return translations_of(want).get(source)


def _source_slug(locale: Locale, slug: str) -> str | None:
    page = get_default_build().edition(locale.segment).site.public_page(slug)
    return (page.translation_of or None) if page is not None else None


def translations_of(locale: Locale) -> dict[str, str]:
    """Default-locale slug -> the slug of its published translation in ``locale`` (computed once per build)."""
    return get_default_build().edition(locale.segment).translated


def _locale_context() -> dict:
    locales = configured(current_app.config)
    current = request_locale()
    return {
        "kb_locale": current,
        "kb_locale_tag": current.tag,
        "kb_locales": locales,
        "locale_alternates": alternates,
        "switch_url": switch_url,
    }


def switch_url(alternate: Alternate) -> str:
    return url_for("language", segment=alternate.locale.segment, next=alternate.url)
