"""Ranking feedback: articles customers keep clicking and find helpful for a question rank a little higher
for similar questions.

The boost is small and bounded (at most ``MAX_BOOST`` of confidence), applies only to articles the engine
already retrieved (it reorders, it never brings in an article on its own), and shows as the reason
``feedback``. ``KB_RANKING_FEEDBACK=off`` turns it off.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from kb.db import events
from kb.state import state_of

MIN_CLICKS = 3  # a pattern, not an accident
MAX_BOOST = 0.05
SATURATION = 20  # clicks at which the boost reaches MAX_BOOST
SIMILAR = 0.8  # cosine between a new question and a learned one
LOOKBACK = dt.timedelta(days=90)
REFRESH_SECONDS = 600
MAX_PAIRS = 1000


@dataclass
class Learned:
    query: str
    article: str
    clicks: int

    @property
    def boost(self) -> float:
        return MAX_BOOST * min(1.0, math.log1p(self.clicks) / math.log1p(SATURATION))


def learn(engine: sa.Engine, *, now: dt.datetime | None = None) -> list[Learned]:
    """(question, article) pairs clicked at least ``MIN_CLICKS`` times whose article voters found helpful."""
    since = (now or dt.datetime.now(dt.UTC)) - LOOKBACK
    with engine.connect() as conn:
        clicks = conn.execute(
            sa.select(events.c.query, events.c.article).where(
                events.c.created_at >= since,
                events.c.type.in_(("search_click", "suggestion_clicked")),
                events.c.query.is_not(None),
                events.c.article.is_not(None),
            )
        ).all()
        votes = conn.execute(
            sa.select(events.c.id, events.c.article, events.c.data, events.c.created_at, events.c.visitor)
            .where(events.c.created_at >= since, events.c.type == "helpful")
            .order_by(events.c.created_at, events.c.id)
        ).all()
    pairs = Counter((normalize_query(query), article) for query, article in clicks if query.strip())
    helpful: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for article, data in latest_votes(votes):
        helpful[article][0 if data.get("helpful") else 1] += 1
    learned = [
        Learned(query, article, n)
        for (query, article), n in pairs.most_common(MAX_PAIRS)
        if n >= MIN_CLICKS and helpful[article][0] > helpful[article][1]
    ]
    return learned


class Feedback:
    """What was learned, with the learned questions embedded once, matched against each new question."""

    def __init__(self, learned: list[Learned], encoder=None):
        self.learned = learned
        self.encoder = encoder
        self.vectors = None
        if encoder is not None and learned:
            vectors = np.asarray(encoder.encode_queries([item.query for item in learned]), dtype=np.float32)
            self.vectors = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12)

    def boosts(self, text: str, vector=None) -> dict[str, float]:
        """slug -> boost for a question (its embedding ``vector`` when there is one)."""
        if not self.learned:
            return {}
        found: dict[str, float] = {}
        if self.vectors is not None and vector is not None:
            vector = np.asarray(vector, dtype=np.float32)
            similarity = self.vectors @ (vector / (np.linalg.norm(vector) + 1e-12))
            matches = np.nonzero(similarity >= SIMILAR)[0]
        else:
            key = normalize_query(text)
            matches = [i for i, item in enumerate(self.learned) if item.query == key]
        for i in matches:
            item = self.learned[int(i)]
            found[item.article] = max(found.get(item.article, 0.0), item.boost)
        return found


_lock = threading.Lock()


def current(app, encoder=None) -> Feedback | None:
    """This process's feedback; None when turned off.

    Learned on first use, then relearned in the background every ``REFRESH_SECONDS`` while requests go on
    with the previous model (embedding a thousand questions must not stall suggestions).
    """
    if not app.config["RANKING_FEEDBACK"]:
        return None
    state = state_of(app)
    cached = state.boosts
    if cached is None or cached[2] is not encoder:
        with _lock:
            cached = state.boosts
            if cached is None or cached[2] is not encoder:
                cached = state.boosts = (time.monotonic(), _learn_or_none(app, encoder), encoder)
        return cached[1]
    if time.monotonic() - cached[0] >= REFRESH_SECONDS and _lock.acquire(blocking=False):
        state.boosts = (time.monotonic(), cached[1], encoder)  # one refresh at a time
        threading.Thread(target=_refresh, args=(app, encoder), daemon=True).start()
    return cached[1]


def _refresh(app, encoder) -> None:
    try:
        model = _learn_or_none(app, encoder)
        if model is not None:
            state_of(app).boosts = (time.monotonic(), model, encoder)
    finally:
        _lock.release()


def _learn_or_none(app, encoder) -> Feedback | None:
    try:
        return Feedback(learn(state_of(app).engine), encoder)
    except sa.exc.SQLAlchemyError:
        app.logger.warning("ranking feedback unavailable (database unreachable); ranking without it")
        return None


def forget(app) -> None:
    """Drop what was learned: the next suggestion relearns from the events at once."""
    state_of(app).boosts = None


# Shared with the dashboard (kb.analytics.stats): one rule for what a question and a vote are


_SPACE = re.compile(r"\s+")


def normalize_query(text: str) -> str:
    return _SPACE.sub(" ", text.strip().lower())


def latest_votes(rows) -> list[tuple[str, dict]]:
    """One vote per visitor, article and day: the latest, keeping a reason given with an earlier, same vote.

    Rows are (id, article, data, created_at, visitor), oldest first. A customer who clicks "No" and then
    sends a reason, or changes their mind, has voted once.
    """
    latest: dict[tuple, tuple[str, dict]] = {}
    for event_id, slug, data, created_at, visitor in rows:
        data = dict(data or {})
        key = (slug, visitor, created_at.date()) if visitor else (event_id,)
        earlier = latest.pop(key, None)  # popped and re-added: the order stays the order of last votes
        if earlier is not None and bool(earlier[1].get("helpful")) == bool(data.get("helpful")):
            data = {**earlier[1], **data}
        latest[key] = (slug, data)
    return list(latest.values())
