"""The self-service figures for a period, computed from the events: what the dashboard and the stats API show.

A period is a range of whole UTC days, both ends included.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from kb.analytics.gaps import cluster_queries, gap_encoders, gap_queries
from kb.content.locales import canonical, tag_problem
from kb.db import events
from kb.errors import PeriodError
from kb.query.boosts import latest_votes, normalize_query

TOP = 20
POSITIONS = 10
MAX_GAP_QUERIES = 500
FLAG_MIN_VOTES = 3
FLAG_BELOW = 0.5
SUGGESTION_SURFACES = ("beacon", "contact_form", "agent")
DEFLECTION_SURFACES = ("beacon", "contact_form")


@dataclass
class Period:
    start: dt.date
    end: dt.date
    locale: str | None = None  # only the events of this language ("pt-BR"); all of them when None

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


MAX_DAYS = 3 * 366
EARLIEST = dt.date(2000, 1, 1)


def parse_period(start: str | None, end: str | None, *, today: dt.date | None = None) -> Period:
    """``from``/``to`` as YYYY-MM-DD; the last 30 days by default."""
    today = today or dt.datetime.now(dt.UTC).date()
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=29)
    except ValueError:
        raise PeriodError("`from` and `to` must be dates like 2026-11-01") from None
    if first < EARLIEST or last > today + dt.timedelta(days=366):
        raise PeriodError(f"dates must be from {EARLIEST} to a year from today")
    if first > last:
        raise PeriodError(f"`from` ({first}) is after `to` ({last})")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(f"a period can be at most {MAX_DAYS} days long")
    return Period(first, last)


@dataclass
class Stats:
    period: Period
    searches: int = 0
    searches_per_day: list[dict] = field(default_factory=list)
    unique_visitors: int = 0
    top_searches: list[dict] = field(default_factory=list)
    no_result_searches: list[dict] = field(default_factory=list)
    unconfident_searches: list[dict] = field(default_factory=list)  # results, but none of them confident
    content_gaps: list[dict] = field(default_factory=list)
    article_views: int = 0
    articles: list[dict] = field(default_factory=list)
    ctr_by_position: list[dict] = field(default_factory=list)
    suggestion_ctr: dict[str, dict] = field(default_factory=dict)
    deflection: dict = field(default_factory=dict)

    @property
    def deflection_rate(self) -> float | None:
        return self.deflection.get("rate")

    @property
    def most_helpful(self) -> list[dict]:
        """The articles with at least one "Yes": the most "Yes" first, then the highest share of "Yes"."""
        liked = [a for a in self.articles if a["helpful"]]
        return sorted(liked, key=lambda a: (-a["helpful"], -a["helpful_rate"], a["slug"]))[:TOP]

    @property
    def least_helpful(self) -> list[dict]:
        voted = [a for a in self.articles if a["not_helpful"]]
        return sorted(voted, key=lambda a: (-a["not_helpful"], a["helpful"], a["slug"]))[:TOP]

    def to_dict(self) -> dict:
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "locale": self.period.locale,
            "searches": self.searches,
            "searches_per_day": self.searches_per_day,
            "unique_visitors": self.unique_visitors,
            "top_searches": self.top_searches,
            "no_result_searches": self.no_result_searches,
            "unconfident_searches": self.unconfident_searches,
            "content_gaps": self.content_gaps,
            "article_views": self.article_views,
            "articles": self.articles,
            "ctr_by_position": self.ctr_by_position,
            "suggestion_ctr": self.suggestion_ctr,
            "deflection_rate": self.deflection_rate,
            "deflection": self.deflection,
        }


def compute(engine: sa.Engine, period: Period, *, titles: dict[str, str] | None = None, encoder=None) -> Stats:
    """Every figure for ``period``. ``titles`` names articles; ``encoder`` groups content gaps by meaning."""
    titles = titles or {}
    stats = Stats(period)
    in_period = _in(period)
    with engine.connect() as conn:
        _searches(conn, in_period, stats)
        _articles(conn, in_period, stats, titles)
        _positions(conn, in_period, stats)
        _suggestions(conn, in_period, stats)
        _deflection(conn, in_period, stats)
        stats.content_gaps = _gaps_per_language(conn, period, stats, encoder)
    return stats


def _in(period: Period):
    within = sa.and_(events.c.created_at >= period.since, events.c.created_at < period.until)
    return within if period.locale is None else sa.and_(within, events.c.locale == period.locale)


def _gaps_per_language(conn, period: Period, stats: Stats, encoder) -> list[dict]:
    """Content gaps grouped by meaning within each language (a question and its translation are two gaps: each
    edition lacks its own article), each saying its language when the period has several.

    ``encoder``: one encoder for every language, or a mapping of locale tag to encoder (None: by words)."""
    languages = [period.locale] if period.locale else _languages(conn, period)
    if len(languages) <= 1:
        return cluster_queries(_gap_list(stats), _encoder_of(encoder, languages[0] if languages else None))
    gaps: list[dict] = []
    for language in languages:
        part = Stats(Period(period.start, period.end, language))
        _searches(conn, _in(part.period), part)
        gaps += [
            {**gap, "locale": language} for gap in cluster_queries(_gap_list(part), _encoder_of(encoder, language))
        ]
    return sorted(gaps, key=lambda gap: -gap.get("count", 0))


def _gap_list(stats: Stats) -> list[dict]:
    return gap_queries(stats.no_result_searches, stats.unconfident_searches)[:MAX_GAP_QUERIES]


def _languages(conn, period: Period) -> list[str]:
    rows = conn.execute(
        sa.select(events.c.locale).where(_in(period), events.c.type == "search").group_by(events.c.locale)
    ).all()
    return sorted(locale for (locale,) in rows if locale) or []


def _encoder_of(encoder, locale: str | None):
    return encoder.get(locale) if isinstance(encoder, dict) else encoder


def _count_by(conn, column, where) -> dict:
    rows = conn.execute(sa.select(column, sa.func.count()).where(where).group_by(column)).all()
    return {key: n for key, n in rows}


def _searches(conn, in_period, stats: Stats) -> None:
    is_search = sa.and_(in_period, events.c.type == "search")
    stats.searches = conn.execute(sa.select(sa.func.count()).where(is_search)).scalar_one()
    per_day = Counter()
    for (created_at,) in conn.execute(sa.select(events.c.created_at).where(is_search)):
        per_day[created_at.date()] += 1
    stats.searches_per_day = [{"date": d.isoformat(), "count": per_day.get(d, 0)} for d in stats.period.days]
    visitors = conn.execute(
        sa.select(events.c.created_at, events.c.visitor).where(in_period, events.c.visitor.is_not(None))
    ).all()
    stats.unique_visitors = len({(created_at.date(), visitor) for created_at, visitor in visitors})

    merged = _search_counts(conn, is_search)
    clicked = _clicks_by_query(conn, in_period)
    ranked = sorted(merged.items(), key=lambda item: (-item[1].searches, item[0]))
    stats.top_searches = [
        {"query": q, "count": c.searches, "no_results": c.no_results, "clicks": clicked.get(q, 0)}
        for q, c in ranked[:TOP]
    ]
    stats.no_result_searches = _most_often({q: c.no_results for q, c in merged.items()})
    stats.unconfident_searches = _most_often({q: c.no_confident_result for q, c in merged.items()})


@dataclass
class QueryCounts:
    """How often one (normalized) query was searched, and how many of those searches were content gaps."""

    searches: int = 0
    no_results: int = 0
    no_confident_result: int = 0  # results, none of them confident (events that recorded confidence only)


def _search_counts(conn, is_search) -> dict[str, QueryCounts]:
    query = sa.func.lower(events.c.query)
    # False, not missing: a search recorded before kb noted confidence is a gap only when it found nothing
    unconfident = sa.and_(events.c.results > 0, events.c.data["confident"].as_boolean().is_(False))
    rows = conn.execute(
        sa.select(
            query,
            sa.func.count(),
            sa.func.sum(sa.case((events.c.results == 0, 1), else_=0)),
            sa.func.sum(sa.case((unconfident, 1), else_=0)),
        )
        .where(is_search, events.c.query.is_not(None))
        .group_by(query)
    ).all()
    merged: dict[str, QueryCounts] = defaultdict(QueryCounts)
    for text, n, empty, weak in rows:
        counts = merged[normalize_query(text)]
        counts.searches += n
        counts.no_results += empty or 0
        counts.no_confident_result += weak or 0
    return merged


def _clicks_by_query(conn, in_period) -> Counter:
    clicks = _count_by(conn, sa.func.lower(events.c.query), sa.and_(in_period, events.c.type == "search_click"))
    clicked: Counter = Counter()
    for text, n in clicks.items():
        if text:
            clicked[normalize_query(text)] += n
    return clicked


def _most_often(counts: dict[str, int]) -> list[dict]:
    """``[{"query", "count"}]`` for the queries counted at least once, most often first."""
    ranked = sorted(((q, n) for q, n in counts.items() if n), key=lambda item: (-item[1], item[0]))
    return [{"query": q, "count": n} for q, n in ranked]


def _articles(conn, in_period, stats: Stats, titles: dict[str, str]) -> None:
    views = _count_by(conn, events.c.article, sa.and_(in_period, events.c.type == "view"))
    stats.article_views = sum(views.values())
    votes: dict[str, dict] = defaultdict(lambda: {"helpful": 0, "not_helpful": 0, "reasons": Counter(), "comments": []})
    rows = conn.execute(
        sa.select(events.c.id, events.c.article, events.c.data, events.c.created_at, events.c.visitor)
        .where(in_period, events.c.type == "helpful")
        .order_by(events.c.created_at, events.c.id)
    ).all()
    for slug, data in reversed(latest_votes(rows)):  # newest first, for the comments shown
        entry = votes[slug]
        if data.get("helpful"):
            entry["helpful"] += 1
            continue
        entry["not_helpful"] += 1
        if data.get("reason"):
            entry["reasons"][data["reason"]] += 1
        if data.get("comment") and len(entry["comments"]) < 5:
            entry["comments"].append(data["comment"])
    articles = []
    for slug in sorted(set(views) | set(votes), key=lambda s: (-views.get(s, 0), s or "")):
        if not slug:
            continue
        entry = votes.get(slug, {"helpful": 0, "not_helpful": 0, "reasons": Counter(), "comments": []})
        total = entry["helpful"] + entry["not_helpful"]
        rate = entry["helpful"] / total if total else None
        articles.append(
            {
                "slug": slug,
                "title": titles.get(slug, slug),
                "views": views.get(slug, 0),
                "helpful": entry["helpful"],
                "not_helpful": entry["not_helpful"],
                "helpful_rate": round(rate, 4) if rate is not None else None,
                "reasons": dict(entry["reasons"].most_common()),
                "comments": entry["comments"],
                "flagged": total >= FLAG_MIN_VOTES and rate < FLAG_BELOW,
            }
        )
    stats.articles = articles


def _positions(conn, in_period, stats: Stats) -> None:
    clicks = _count_by(conn, events.c.position, sa.and_(in_period, events.c.type == "search_click"))
    answered = conn.execute(
        sa.select(sa.func.count()).where(in_period, events.c.type == "search", events.c.results > 0)
    ).scalar_one()
    rows = []
    for position in range(1, POSITIONS + 1):
        n = clicks.get(position, 0)
        rows.append({"position": position, "clicks": n, "rate": _rate(n, answered)})
    beyond = sum(n for p, n in clicks.items() if p and p > POSITIONS)
    if beyond:
        rows.append({"position": f"{POSITIONS + 1}+", "clicks": beyond, "rate": _rate(beyond, answered)})
    stats.ctr_by_position = rows


def _suggestions(conn, in_period, stats: Stats) -> None:
    shown = _count_by(conn, events.c.surface, sa.and_(in_period, events.c.type == "suggestion_shown"))
    clicked = _count_by(conn, events.c.surface, sa.and_(in_period, events.c.type == "suggestion_clicked"))
    stats.suggestion_ctr = {
        surface: {
            "shown": shown.get(surface, 0),
            "clicked": clicked.get(surface, 0),
            "rate": _rate(clicked.get(surface, 0), shown.get(surface, 0)),
        }
        for surface in SUGGESTION_SURFACES
    }


def _deflection(conn, in_period, stats: Stats) -> None:
    def sessions(type_: str) -> set[str]:
        rows = conn.execute(
            sa.select(events.c.session)
            .distinct()
            .where(
                in_period,
                events.c.type == type_,
                events.c.surface.in_(DEFLECTION_SURFACES),
                events.c.session.is_not(None),
            )
        )
        return {session for (session,) in rows}

    with_suggestions = sessions("suggestion_shown")
    with_ticket = with_suggestions & sessions("ticket_submitted")
    marks = conn.execute(
        sa.select(events.c.id, events.c.data)
        .where(in_period, events.c.type == "ticket_resolved")
        .order_by(events.c.created_at, events.c.id)
    ).all()
    latest = {(data or {}).get("ticket_id", event_id): data or {} for event_id, data in marks}  # a re-mark wins
    resolved = list(latest.values())
    already_shown = sum(1 for data in resolved if (data or {}).get("shown_before"))
    stats.deflection = {
        "sessions_with_suggestions": len(with_suggestions),
        "sessions_with_ticket": len(with_ticket),
        "rate": _rate(len(with_suggestions) - len(with_ticket), len(with_suggestions)),
        "resolved_tickets": len(resolved),
        "resolved_with_article_already_shown": already_shown,
        "answer_already_shown_rate": _rate(already_shown, len(resolved)),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def current_stats(period: Period) -> Stats:
    """The figures of ``period`` for this app, counting the events this process still has queued. Failed
    searches are grouped by meaning when the model is there, by shared words when it is not."""
    from flask import current_app

    from kb.analytics import events
    from kb.index.serving import get_build
    from kb.state import state_of

    events.flush()
    titles = {slug: page.title for slug, page in get_build().site.all_pages.items()}
    return compute(state_of(current_app).engine, period, titles=titles, encoder=gap_encoders())


def period_from_args(args) -> Period:
    """The period a request asks for with ``from`` and ``to`` (ISO dates) and, optionally, the ``locale`` of
    the events to count; raises PeriodError."""
    period = parse_period(args.get("from"), args.get("to"))
    locale = args.get("locale") or None
    if locale is not None and tag_problem(locale) is not None:
        raise PeriodError(f"`locale` must be a language tag like en or pt-BR, got {locale[:40]!r}")
    period.locale = canonical(locale) if locale else None
    return period
