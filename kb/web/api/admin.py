"""The admin API under /api/v1/admin: the dashboard's figures as JSON, for admin tokens."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from kb import auth
from kb.analytics import stats
from kb.errors import APIError, PeriodError

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")


@bp.get("/stats")
@auth.token_required("admin")
def stats_api():
    try:
        period = stats.period_from_args(request.args)
    except PeriodError as e:
        raise APIError(str(e), code="invalid_parameter") from None
    return jsonify(stats.current_stats(period).to_dict())
