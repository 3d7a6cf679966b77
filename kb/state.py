"""The one object kb keeps per app in ``app.extensions["kb"]``: what each subsystem's ``init_app`` sets up and
what the process starts later (the event writer, the outbox worker, learned ranking boosts).

Typed, so that a reader sees in one place everything an app holds, and a misspelt name fails at once instead of
reading ``None`` from a dict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the annotations only: this module imports nothing of kb at run time
    import datetime as dt

    import sqlalchemy as sa
    from flask import Flask
    from flask_limiter import Limiter

    from kb.analytics.events import EventWriter
    from kb.desk.outbox import Worker
    from kb.index.serving import EncoderHolder, IndexHolder
    from kb.query.capacity import Gate


@dataclass
class State:
    engine: sa.Engine | None = None  # kb.db
    indexes: IndexHolder | None = None  # kb.index.serving: the current build, reopened when it changes
    encoder: EncoderHolder | None = None  # kb.index.serving: the query encoder, loaded once per process
    encoders: dict[str, EncoderHolder] = field(default_factory=dict)  # kb.index.serving: by model, every locale's
    gate: Gate | None = None  # kb.query.capacity: searches ranked and queued at once
    limiter: Limiter | None = None  # kb.web.protect: rate limits
    boosts: tuple[float, Any, Any] | None = None  # kb.query.boosts: (learned at, what was learned, encoder)
    event_writer: EventWriter | None = None  # kb.analytics.events: this process's queue of events
    visitor_salt: tuple[dt.date, str] | None = None  # kb.analytics.events: today's salt for visitor ids
    outbox_worker: Worker | None = None  # kb.desk.outbox: delivers tickets from this process
    onnxruntime_in_master: bool = False  # kb.serve: forked workers must then leave with os._exit
    secret_key_kept: bool = True  # False: this process signs with a passing key until `kb db upgrade` keeps one
    encoder_factory: Callable[[], Any] | None = None  # create_app's: makes the encoder instead of the model (tests)


def state_of(app: Flask | Any) -> State:
    """The :class:`State` of ``app`` (``current_app`` inside a request), made on first use."""
    found = app.extensions.get("kb")
    if found is None:
        found = app.extensions["kb"] = State()
    return found
