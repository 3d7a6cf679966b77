"""Health checks for load balancers and orchestrators: /healthz (alive, and in which mode) and /readyz (this
process can answer searches and suggestions now)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from kb.errors import IndexNotBuiltError
from kb.index import background
from kb.index.serving import get_build, semantic_status
from kb.state import state_of

bp = Blueprint("health", __name__)


@bp.get("/readyz")
def readyz():
    """Readiness: 200 when this process can answer searches and suggestions, 503 (with what is missing) until."""
    checks = {"index": _index_check(), "model": _model_check(), "database": _database_check()}
    ready = all(check["ok"] for check in checks.values())
    response = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


def _index_check() -> dict:
    try:
        build = get_build()
    except IndexNotBuiltError as e:
        return {"ok": False, "error": e.message}
    return {"ok": True, "build": build.build_id, "articles": build.manifest["articles"]}


def _model_check() -> dict:
    holder = state_of(current_app).encoder
    try:
        semantic_index = get_build().semantic is not None
    except IndexNotBuiltError:
        semantic_index = False
    under_way = background.building(current_app.config["DATA_DIR"]) if holder.enabled else None
    if not semantic_index and under_way:  # serving full-text meanwhile: ready
        return {"ok": True, "state": "building", **_progress(under_way)}
    if not holder.enabled or not semantic_index:
        return {"ok": True, "state": "off"}
    if holder.loaded:
        return {"ok": True, "state": "loaded"}
    if holder.error:
        return {"ok": True, "state": "degraded", "error": holder.error}  # serving full-text only
    holder.load_in_background()
    return {"ok": False, "state": "loading"}


def _database_check() -> dict:
    import sqlalchemy as sa

    try:
        with state_of(current_app).engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as e:
        current_app.logger.warning("readiness: database unreachable: %s", e)
        return {"ok": False, "error": "the database is unreachable"}
    return {"ok": True}


def _progress(status: dict) -> dict:
    return {"step": status.get("state"), "done": status.get("done"), "total": status.get("total")}


@bp.get("/healthz")
def healthz():
    body = {"status": "ok", "semantic": semantic_status()}
    under_way = background.building(current_app.config["DATA_DIR"]) if body["semantic"]["enabled"] else None
    try:
        build = get_build()
        body["index"] = {
            "build": build.build_id,
            "articles": build.manifest["articles"],
            "sections": build.manifest["sections"],
            "semantic": build.semantic is not None,
        }
        if len(build.manifest.get("locales", {})) > 1:  # each language's part, and whether it has embeddings
            body["index"]["locales"] = {
                tag: {**part, "semantic": build.edition("" if i == 0 else tag.lower()).semantic is not None}
                for i, (tag, part) in enumerate(build.manifest["locales"].items())
            }
    except IndexNotBuiltError as e:
        body["index"] = {"error": e.message}
    if under_way and not body["index"].get("semantic"):
        body["semantic"]["building"] = _progress(under_way)
        body["mode"] = "fulltext"  # on purpose, until the semantic index is switched in
    else:
        body["mode"] = "degraded" if body["semantic"]["error"] or not body["index"].get("semantic") else "hybrid"
    body["degraded"] = body["mode"] != "hybrid"
    return jsonify(body)
