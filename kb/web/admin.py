"""The analytics dashboard (/admin, for administrators) and the same figures as JSON for admin tokens."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from kb import auth
from kb.analytics import events, stats
from kb.errors import APIError
from kb.index.serving import get_build, get_encoder

bp = Blueprint("admin", __name__, url_prefix="/admin")
api_bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")


def stats_for(period: stats.Period) -> stats.Stats:
    events.flush()  # this worker's queued events count too
    site = get_build().site
    titles = {slug: page.title for slug, page in site.all_pages.items()}
    try:
        encoder = get_encoder()
    except Exception:  # the dashboard works without the model: failed searches are grouped by shared words
        current_app.logger.exception("no encoder for grouping content gaps")
        encoder = None
    return stats.compute(current_app.extensions["kb"]["engine"], period, titles=titles, encoder=encoder)


def _period_or_400(html: bool) -> stats.Period:
    try:
        return stats.parse_period(request.args.get("from"), request.args.get("to"))
    except stats.PeriodError as e:
        if html:
            abort(400, description=str(e))
        raise APIError(str(e), code="invalid_parameter") from None


@bp.get("/")
@auth.agent_required(role="admin")
def dashboard():
    period = _period_or_400(html=True)
    stats = stats_for(period)
    from kb.web.help import REASONS

    return render_template("admin/dashboard.html", stats=stats, period=period, reason_labels=REASONS)


@bp.get("/export/<name>.csv")
@auth.agent_required(role="admin")
def export(name: str):
    period = _period_or_400(html=True)
    found = stats.tables(stats_for(period)).get(name)
    if found is None:
        abort(404, description=f"There is no table called {name!r}.")
    headers, rows = found
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    filename = f"kb-{name}-{period.start}-{period.end}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


def _cell(value):
    """Spreadsheets run cells that start with = + - @ as formulas: defuse customer-typed text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


@api_bp.get("/stats")
@auth.token_required("admin")
def stats_api():
    return jsonify(stats_for(_period_or_400(html=False)).to_dict())


def init_app(app) -> None:
    from kb.web import protect

    app.register_blueprint(bp)
    protect.limit_blueprint(app, api_bp)
    app.extensions["csrf"].exempt(api_bp)
    app.register_blueprint(api_bp)
