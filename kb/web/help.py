"""The public help center: home, categories, articles, search and the "was this helpful?" form."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext

from kb.analytics import events
from kb.analytics.popular import popular_slugs
from kb.auth import is_agent
from kb.index.serving import get_build
from kb.query.search import run_search, untranslated_results
from kb.state import state_of
from kb.web.locales import home_redirect, localized
from kb.web.site_files import base_url
from search import hybrid

bp = Blueprint("help", __name__)
PER_PAGE = 10
RELATED_LIMIT = 5
MAX_REASON = 500


@localized(bp, "/", methods=["GET"])
def index():
    chosen = home_redirect()
    if chosen is not None:
        return chosen
    site = get_build().site
    response = make_response(
        render_template(
            "help/index.html", categories=site.category_views(), popular=popular_pages(site), recent=site.recent()
        )
    )
    response.vary.update(("Accept-Language", "Cookie"))  # the unprefixed home page may send a visitor on
    return response


def popular_pages(site) -> list:
    """The most viewed published articles of the last 30 days (a queued view counts once written, within a second);
    none when the database fails, so that the home page stays up."""
    published = {page.slug: page for page in site.published()}
    try:
        slugs = popular_slugs(state_of(current_app).engine, published)
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("could not count popular articles; the home page shows none")
        return []
    return [published[slug] for slug in slugs]


@localized(bp, "/categories/<slug>", methods=["GET"])
def category(slug: str):
    view = get_build().site.category_view(slug)
    if view is None:
        abort(404, description=gettext("There is no category called “%(slug)s”.", slug=slug))
    return render_template("help/category.html", view=view)


@localized(bp, "/articles/<slug>", methods=["GET"])
def article(slug: str):
    build = get_build()
    page = build.site.public_page(slug) or _internal_page_for_agents(build.site, slug)
    if page is None:
        abort(404, description=gettext("This article does not exist or is no longer published."))
    previous, following = build.site.neighbours(page) if page.status == "published" else (None, None)
    response = render_template(
        "help/article.html",
        page=page,
        category=build.site.categories.get(page.category),
        related=related_pages(build, page),
        previous=previous,
        following=following,
        reasons=events.NOT_HELPFUL_REASONS,
    )
    if page.status != "published":
        return response, 200, {"Cache-Control": "private, no-store"}
    if not is_agent():
        events.record("view", article=page.slug)
    return response


def _internal_page_for_agents(site, slug: str):
    """Internal articles are readable by signed-in agents only; to everyone else they do not exist."""
    page = site.pages.get(slug)
    return page if page is not None and page.status == "internal" and is_agent() else None


def related_pages(build, page) -> list:
    """Declared ``related`` articles; else the nearest ones in the semantic index; else the same category's."""
    site = build.site
    if page.related:
        return site.declared_related(page)
    if build.semantic is not None:
        slugs = hybrid.nearest_articles(
            page.slug, build.semantic, limit=RELATED_LIMIT, allowed=lambda s: site.public_page(s) is not None
        )
        return [site.pages[s] for s in slugs]
    view = site.category_view(page.category)
    return [p for p in view.pages if p.slug != page.slug][:RELATED_LIMIT] if view else []


@localized(bp, "/articles/<slug>/feedback", methods=["POST"])
def feedback(slug: str):
    page = get_build().site.public_page(slug)
    if page is None:
        abort(404)
    helpful = request.form.get("helpful")
    if helpful not in ("yes", "no"):
        abort(400, description=gettext("Choose “Yes” or “No”."))
    reason = request.form.get("reason", "")
    comment = request.form.get("comment", "").strip()[:MAX_REASON]
    events.record(
        "helpful",
        article=slug,
        helpful=helpful == "yes",
        reason=reason if reason in events.NOT_HELPFUL_REASONS else None,
        comment=comment or None,
    )
    if helpful == "yes":
        flash(gettext("Thanks for your feedback!"), "feedback")
    else:  # the page then offers the contact form
        flash(gettext("Thanks, we'll use this to improve the article."), "feedback-not-helpful")
    return redirect(url_for("help.article", slug=slug, _anchor="feedback"), code=303)


@localized(bp, "/search", methods=["GET"])
def search():
    query = request.args.get("q", "").strip()[:500]
    category = request.args.get("category") or None
    page_number = max(1, min(request.args.get("page", 1, type=int), 100))
    site = get_build().site
    if category and category not in site.categories:
        category = None
    result = run_search(query, category=category) if query else None
    results = result.results if result else []
    if result is not None and page_number == 1:
        events.record(
            "search",
            query=query,
            results=len(results),
            confident=result.confident,
            mode=result.mode,
            category=category,
        )
    start = (page_number - 1) * PER_PAGE
    untranslated = untranslated_results(query, category) if query and page_number == 1 else []
    return render_template(
        "help/search.html",
        untranslated=untranslated,
        category_titles={slug: c.title for slug, c in site.categories.items()},
        query=query,
        category=category,
        categories=site.category_views(),
        search=result,
        results=results[start : start + PER_PAGE],
        page_number=page_number,
        pages=max(1, -(-len(results) // PER_PAGE)),
        total=len(results),
    )


@bp.app_context_processor
def inject_site():
    config = current_app.config
    contact = "contact.form" in current_app.view_functions
    return {
        "site_name": config["SITE_NAME"],
        "logo_url": config["LOGO_URL"],
        "base_url": base_url(),
        "contact_url": url_for("contact.form") if contact else None,
    }
