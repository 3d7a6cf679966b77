"""Files around the pages: sitemap, robots.txt, theme CSS, article assets and the health check."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, send_file

from kb.auth import is_agent
from kb.content.articles import resolve_inside
from kb.errors import IndexNotBuiltError
from kb.index.serving import get_build, semantic_status
from kb.state import state_of

bp = Blueprint("meta", __name__)
ASSET_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".pdf", ".txt", ".csv", ".zip", ".mp4", ".webm"}


def base_url() -> str:
    """The help center's public address: KB_BASE_URL, or the address this request came to."""
    return (current_app.config["BASE_URL"] or request.url_root).rstrip("/")


@bp.get("/sitemap.xml")
def sitemap():
    site = get_build().site
    body = render_template("sitemap.xml", base=base_url(), site=site)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /search", "Disallow: /api/", f"Sitemap: {base_url()}/sitemap.xml", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/theme.css")
def theme():
    css = f":root {{ --accent: {current_app.config['ACCENT_COLOR']}; }}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    """A file that the articles show or link, from beside them. Only known file types (never Markdown sources),
    only files some article uses, resolved inside the articles folder after following links, and those that
    only internal or draft articles use for signed-in agents alone."""
    path = PurePosixPath(filename)
    if path.suffix.lower() not in ASSET_SUFFIXES or any(p.startswith(".") or p == ".." for p in path.parts):
        abort(404)
    audience = get_build().site.asset_audience(filename)
    if audience is None or (audience == "agents" and not is_agent()):
        abort(404)
    real = resolve_inside(current_app.config["ARTICLES_DIR"], filename)
    if real is None or not real.is_file():
        abort(404)
    response = send_file(real, max_age=3600 if audience == "public" else 0, conditional=True)
    if audience != "public":
        response.cache_control.private = True
        response.cache_control.public = False
    if filename.lower().endswith(".svg"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


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


@bp.get("/healthz")
def healthz():
    body = {"status": "ok", "semantic": semantic_status()}
    try:
        build = get_build()
        body["index"] = {
            "build": build.build_id,
            "articles": build.manifest["articles"],
            "sections": build.manifest["sections"],
            "semantic": build.semantic is not None,
        }
    except IndexNotBuiltError as e:
        body["index"] = {"error": e.message}
    body["mode"] = "degraded" if body["semantic"]["error"] or not body["index"].get("semantic") else "hybrid"
    return jsonify(body)
