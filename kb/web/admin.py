"""The analytics dashboard (/admin, for administrators) and its tables as CSV files."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from kb import auth
from kb.analytics import events, export, stats
from kb.errors import PeriodError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _period() -> stats.Period:
    try:
        return stats.period_from_args(request.args)
    except PeriodError as e:
        abort(400, description=str(e))


@bp.get("/")
@auth.agent_required(role="admin")
def dashboard():
    period = _period()
    figures = stats.current_stats(period)
    return render_template(
        "admin/dashboard.html", stats=figures, period=period, reason_labels=events.NOT_HELPFUL_REASONS
    )


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
