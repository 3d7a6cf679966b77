"""Files around the pages: sitemap, robots.txt, theme CSS, article assets and the health check."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, send_from_directory

from kb.errors import IndexNotBuiltError
from kb.indexes import get_build, semantic_status

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
    """Images and files stored beside the articles. Only known file types: never Markdown sources,
    which would expose drafts and internal articles."""
    if Path(filename).suffix.lower() not in ASSET_SUFFIXES or any(p.startswith(".") for p in Path(filename).parts):
        abort(404)
    response = send_from_directory(current_app.config["ARTICLES_DIR"], filename, max_age=3600)
    if filename.lower().endswith(".svg"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


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
