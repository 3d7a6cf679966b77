"""One error handler for the whole app: HTML pages for browsers, JSON for the API."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kb.errors import APIError, IndexNotBuiltError

log = logging.getLogger(__name__)
JSON_PATHS = ("/api/", "/integrations/")  # every error there is JSON in the one shape


def wants_json() -> bool:
    return request.path.startswith(JSON_PATHS) or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, headers=None):
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
    else:
        response = render_template("errors/error.html", status=status, message=message)
    return response, status, headers or {}


def handle_http_error(e: HTTPException):
    code = (e.name or "error").lower().replace(" ", "_")
    headers = [(k, v) for k, v in e.get_headers() if k.lower() != "content-type"]
    return error_response(e.code or 500, code, e.description or e.name, headers)


def handle_api_error(e: APIError):
    response = jsonify(e.to_dict())
    return response, e.status, e.headers


def handle_index_missing(e: IndexNotBuiltError):
    log.error("%s", e.message)
    return error_response(503, "index_not_built", "The help center is being set up. " + e.message)


def handle_unexpected(e: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on our side. Please try again.")


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(APIError, handle_api_error)
    app.register_error_handler(IndexNotBuiltError, handle_index_missing)
    app.register_error_handler(Exception, handle_unexpected)
