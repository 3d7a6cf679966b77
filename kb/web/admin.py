"""The analytics dashboard (/admin, for administrators) and its tables as CSV files."""

from __future__ import annotations

import itertools
import math
import re

from flask import Blueprint, Response, abort, render_template, request

from kb import auth
from kb.analytics import events, export, stats
from kb.errors import PeriodError

bp = Blueprint("admin", __name__, url_prefix="/admin")

PERIOD_FIELDS = {"from": "From", "to": "To"}  # the query parameters and the labels of their date fields


def _period() -> stats.Period:
    try:
        return stats.period_from_args(request.args)
    except PeriodError as e:
        abort(400, description=str(e))


@bp.get("/")
@auth.agent_required(role="admin")
def dashboard():
    """The figures of the period asked for; a period that cannot be used shows the default one, with the problem
    beside the date fields (a 400 whose page keeps what was typed)."""
    try:
        period, problem = stats.period_from_args(request.args), None
    except PeriodError as e:
        period, problem = stats.parse_period(None, None), _field_message(e)
    figures = stats.current_stats(period)
    page = render_template(
        "admin/dashboard.html",
        stats=figures,
        period=period,
        period_problem=problem,
        typed=_typed_dates(period, keep=problem is not None),
        search_ticks=round_ticks(max((p["count"] for p in figures.searches_per_day), default=0)),
        reason_labels=events.NOT_HELPFUL_REASONS,
    )
    return page, 400 if problem else 200


def _typed_dates(period: stats.Period, *, keep: bool) -> dict[str, str]:
    """What the date fields show: the period's dates, or what was typed when ``keep`` (a period refused)."""
    shown = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if keep:
        shown.update({name: request.args[name] for name in PERIOD_FIELDS if request.args.get(name)})
    return shown


def _field_message(error: PeriodError) -> str:
    """A period's problem as a sentence for the form: its parameters named by their fields' labels."""
    text = re.sub(r"`(\w+)`", lambda m: f"“{PERIOD_FIELDS.get(m[1], m[1])}”", str(error))
    return f"{text[:1].upper()}{text[1:]}."


def round_ticks(peak: int, *, most: int = 5) -> list[int]:
    """A y-axis for counts up to ``peak``: 0, then steps of 1, 2 or 5 × 10ⁿ up to the first tick at or above
    ``peak`` (at least 1), at most ``most`` ticks in all."""
    steps = (unit * 10**power for power in itertools.count() for unit in (1, 2, 5))
    step = next(s for s in steps if math.ceil(peak / s) < most)
    return [n * step for n in range(max(1, math.ceil(peak / step)) + 1)]


@bp.get("/export/<name>.csv")
@auth.agent_required(role="admin")
def export_table(name: str):
    period = _period()
    found = export.tables(stats.current_stats(period)).get(name)
    if found is None:
        abort(404, description=f"There is no table called {name!r}.")
    filename = f"kb-{name}-{period.start}-{period.end}.csv"
    return Response(
        export.to_csv(*found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )
