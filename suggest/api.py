"""The JSON API under /api/v1: every input checked and bounded here, at the edge."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from kb.errors import APIError
from kb.searching import run_search

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 50
MODES = ("hybrid", "fulltext", "semantic")


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise APIError(
            f"`{name}` must be a whole number from {low} to {high}, got {raw!r}", code="invalid_parameter"
        ) from None
    if not low <= value <= high:
        raise APIError(f"`{name}` must be from {low} to {high}, got {value}", code="invalid_parameter")
    return value


def query_arg(name: str = "q") -> str:
    text = request.args.get(name, "").strip()
    if not text:
        raise APIError(f"`{name}` is required: the words to search for", code="missing_parameter")
    if len(text) > MAX_QUERY_CHARS:
        raise APIError(
            f"`{name}` is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})", code="query_too_long"
        )
    return text


@bp.get("/search")
def search():
    query = query_arg()
    limit = int_arg("limit", 10, 1, MAX_LIMIT)
    mode = request.args.get("mode") or None
    if mode is not None and mode not in MODES:
        raise APIError(f"`mode` must be one of {', '.join(MODES)}, got {mode!r}", code="invalid_parameter")
    category = request.args.get("category") or None
    result = run_search(query, mode=mode, limit=limit, category=category)
    return jsonify(result.to_dict())
