"""The agent inbox in kb: sign-in, the ticket list, and each ticket with the articles to send."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from kb import auth
from kb.analytics import events
from kb.content.locales import configured
from kb.desk import inbox, tickets
from kb.index.serving import get_build
from kb.web.i18n import current_locale
from kb.web.locales import find_locale
from kb.web.site_files import base_url

bp = Blueprint("agent", __name__, url_prefix="/agent")
MAX_SEARCH = 200


@bp.get("/sign-in")
def sign_in():
    if current_user.is_authenticated:
        return redirect(auth.safe_next(request.args.get("next"), url_for("agent.ticket_list")))
    return render_template("agent/sign_in.html", email="", error=None, next=request.args.get("next", ""))


@bp.post("/sign-in")
def sign_in_post():
    email = request.form.get("email", "")[:320]
    password = request.form.get("password", "")[:1000]
    target = request.form.get("next", "")
    agent = auth.authenticate(email, password)
    if agent is None:
        error = gettext("That e-mail and password do not match an agent account.")
        return render_template("agent/sign_in.html", email=email, error=error, next=target), 401
    login_user(agent)
    return redirect(auth.safe_next(target, url_for("agent.ticket_list")), code=303)


@bp.post("/sign-out")
def sign_out():
    if current_user.is_authenticated:
        auth.end_sessions(current_user.id)
    logout_user()
    flash(gettext("You are signed out."), "agent")
    return redirect(url_for("agent.sign_in"), code=303)


@bp.get("/")
@auth.agent_required
def ticket_list():
    status = request.args.get("status") or None
    if status not in (None, *inbox.STATUSES):
        status = None
    query = request.args.get("q", "")[:MAX_SEARCH].strip()
    listing = inbox.list_tickets(status=status, query=query, page=_page_number(request.args.get("page", "1")))
    return render_template("agent/tickets.html", listing=listing, status=status, query=query)


@bp.get("/tickets/<int:ticket_id>")
@auth.agent_required
def ticket(ticket_id: int):
    found = tickets.get(ticket_id)
    if found is None:
        abort(404, description=gettext("There is no ticket #%(id)s.", id=ticket_id))
    language = find_locale(found.get("locale"))
    g.kb_content_locale = language  # its suggestions are articles in the customer's language
    site = get_build().site
    suggestions, shown = inbox.suggest_for_customer(
        found["subject"], found["message"], email=found["email"], url=found["url"], shown=found["shown"] or []
    )
    if suggestions and _first_look(ticket_id):
        events.record("suggestion_shown", surface="agent", articles=[s.slug for s in suggestions], ticket_id=ticket_id)
    suggested = {s.slug for s in suggestions}
    return render_template(
        "agent/ticket.html",
        ticket=found,
        language=language.name_in(current_locale()) if language and len(configured(current_app.config)) > 1 else None,
        shown=shown,
        shown_elsewhere=[_article_link(site, slug) for slug in shown if slug not in suggested],
        suggestions=suggestions,
        marks=inbox.MARKS,
        resolved=_article_link(site, found["resolved_article"]) if found["resolved_article"] else None,
        statuses=inbox.STATUSES,
        base=base_url(),
    )


def _first_look(ticket_id: int) -> bool:
    """True the first time this agent's session opens the ticket: reloads are not new impressions."""
    seen = session.get("seen_tickets", [])
    if ticket_id in seen:
        return False
    session["seen_tickets"] = [*seen, ticket_id][-50:]
    return True


def _article_link(site, slug: str) -> dict:
    """Title and link of an article, or just its slug when it no longer exists."""
    page = site.pages.get(slug)
    if page is None:
        return {"slug": slug, "title": slug, "url": None, "internal": False}
    return {"slug": slug, "title": page.title, "url": page.url, "internal": page.status == "internal"}


@bp.post("/tickets/<int:ticket_id>/status")
@auth.agent_required
def change_status(ticket_id: int):
    status = request.form.get("status", "")
    try:
        changed = inbox.set_status(ticket_id, status)
    except inbox.InboxError as e:
        abort(400, description=str(e))
    if not changed:
        abort(404, description=gettext("There is no ticket #%(id)s.", id=ticket_id))
    flash(gettext("Ticket #%(id)s is now %(status)s.", id=ticket_id, status=gettext(status)), "agent")
    return redirect(url_for("agent.ticket", ticket_id=ticket_id), code=303)


@bp.post("/tickets/<int:ticket_id>/resolved")
@auth.agent_required
def mark_resolved(ticket_id: int):
    slug = request.form.get("article", "").strip() or None
    if slug is not None and slug not in get_build().site.pages:
        abort(400, description=gettext("There is no article %(slug)s.", slug=repr(slug)))
    if not inbox.mark_resolved(ticket_id, slug, current_user.email):
        abort(404, description=gettext("There is no ticket #%(id)s.", id=ticket_id))
    current_app.logger.info("ticket %s resolved by article %s (%s)", ticket_id, slug, current_user.email)
    done = (
        gettext("Marked as the article that resolved this ticket.") if slug else gettext("Resolving article cleared.")
    )
    flash(done, "agent")
    return redirect(url_for("agent.ticket", ticket_id=ticket_id), code=303)


MAX_PAGE = 100_000


def _page_number(raw: str) -> int:
    """The page asked for: ASCII digits only ("²" is a digit to Python, not to int()), at most MAX_PAGE."""
    return min(int(raw), MAX_PAGE) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 else 1
