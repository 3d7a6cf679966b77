"""The most viewed articles of the last days: the home page's "Popular articles"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa

from kb.db import events

POPULAR_LIMIT = 6
POPULAR_DAYS = 30


def popular_slugs(
    engine: sa.Engine,
    allowed: Collection[str],
    *,
    limit: int = POPULAR_LIMIT,
    days: int = POPULAR_DAYS,
    now: dt.datetime | None = None,
) -> list[str]:
    """The slugs among ``allowed`` (the published articles) with the most ``view`` events in the last ``days``,
    most viewed first (ties by slug); at most ``limit``, none when nothing was viewed. One grouped query."""
    if not allowed or limit < 1:
        return []
    since = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    views = sa.func.count().label("views")
    query = (
        sa.select(events.c.article, views)
        .where(events.c.type == "view", events.c.created_at >= since, events.c.article.in_(list(allowed)))
        .group_by(events.c.article)
        .order_by(views.desc(), events.c.article)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [slug for slug, _ in conn.execute(query)]
