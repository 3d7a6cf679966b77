"""Files around the pages: sitemap, robots.txt, theme CSS and the files articles show or link (/assets/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file

from kb.auth import is_agent
from kb.content.articles import resolve_inside
from kb.content.locales import configured
from kb.index.serving import get_default_build
from kb.web.locales import translated_slug

bp = Blueprint("meta", __name__)
ASSET_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".pdf", ".txt", ".csv", ".zip", ".mp4", ".webm"}


def base_url() -> str:
    """The help center's public address: KB_BASE_URL, or the address this request came to."""
    return (current_app.config["BASE_URL"] or request.url_root).rstrip("/")


@bp.get("/sitemap.xml")
def sitemap():
    body = render_template("sitemap.xml", base=base_url(), entries=sitemap_entries())
    return Response(body, mimetype="application/xml")


@dataclass
class SitemapEntry:
    url: str
    updated: str | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (hreflang, url) with several locales


def sitemap_entries() -> list[SitemapEntry]:
    """Every public page of every locale: the home page, categories and published articles; each with its
    versions in the other locales when there are several."""
    locales = configured(current_app.config)
    build = get_default_build()
    entries = []
    for locale in locales:
        prefix = "" if locale == locales[0] else f"/{locale.segment}"
        site = build.edition(prefix.lstrip("/")).site
        homes = [(other.tag, "/" if other == locales[0] else f"/{other.segment}/") for other in locales]
        entries.append(SitemapEntry(f"{prefix}/", alternates=homes if len(locales) > 1 else []))
        entries += [SitemapEntry(f"{prefix}/categories/{view.slug}") for view in site.category_views()]
        for page in site.published():
            entries.append(SitemapEntry(page.url, page.updated, _page_alternates(page, locale, locales)))
    return entries


def _page_alternates(page, locale, locales) -> list[tuple[str, str]]:
    if len(locales) < 2:
        return []
    build = get_default_build()
    found = []
    for other in locales:
        slug = translated_slug(page.slug, locale, other)
        edition = build.edition("" if other == locales[0] else other.segment)
        if slug is not None and (translated := edition.site.public_page(slug)) is not None:
            found.append((other.tag, translated.url))
    return found if len(found) > 1 else []


@bp.get("/robots.txt")
def robots():
    searches = [f"Disallow: /{locale.segment}/search" for locale in configured(current_app.config)[1:]]
    lines = ["User-agent: *", "Disallow: /search", *searches, "Disallow: /api/", "Disallow: /language/"]
    lines += [f"Sitemap: {base_url()}/sitemap.xml", ""]
    return Response("\n".join(lines), mimetype="text/plain")


ON_DARK, ON_LIGHT = "#ffffff", "#000000"


def text_on(color: str) -> str:
    """White or black, whichever contrasts more with ``color`` (#rgb or #rrggbb); either way at least 4.58:1,
    the WCAG AA 4.5:1 for text (a dark grey would fall below it on mid-tone colours)."""
    luminance = relative_luminance(color)
    return ON_DARK if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else ON_LIGHT


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of a #rgb or #rrggbb colour, from 0 (black) to 1 (white)."""
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@bp.get("/theme.css")
def theme():
    accent = current_app.config["ACCENT_COLOR"]
    css = f":root {{ --accent: {accent}; --on-accent: {text_on(accent)}; }}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def _site_of_asset(path: PurePosixPath):
    """The site whose articles use the file: another locale's when its path starts with that locale's folder."""
    build = get_default_build()
    return build.editions[path.parts[0]].site if path.parts[0] in build.editions else build.site


def _inside_edition(path: PurePosixPath) -> str:
    editions = get_default_build().editions
    return PurePosixPath(*path.parts[1:]).as_posix() if path.parts[0] in editions else path.as_posix()


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    """A file that the articles show or link, from beside them. Only known file types (never Markdown sources),
    only files some article uses, resolved inside the articles folder after following links, and those that
    only internal or draft articles use for signed-in agents alone."""
    path = PurePosixPath(filename)
    if path.suffix.lower() not in ASSET_SUFFIXES or any(p.startswith(".") or p == ".." for p in path.parts):
        abort(404)
    audience = _site_of_asset(path).asset_audience(_inside_edition(path))
    if audience is None or (audience == "agents" and not is_agent()):
        abort(404)
    real = resolve_inside(current_app.config["ARTICLES_DIR"], filename)
    if real is None or not real.is_file():
        abort(404)
    response = send_file(real, max_age=3600 if audience == "public" else 0, conditional=True)
    if audience != "public":
        response.cache_control.private = True
        response.cache_control.public = False
    if filename.lower().endswith(".svg"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
