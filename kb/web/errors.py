"""One error handler for the whole app: HTML pages for browsers, JSON for the API."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import HTTPException

from kb.errors import APIError, IndexNotBuiltError

log = logging.getLogger(__name__)
JSON_PATHS = ("/api/", "/integrations/")  # every error there is JSON in the one shape
# Werkzeug's own descriptions (English only), in the interface's language when an error has no description of kb's
DEFAULT_DESCRIPTIONS = {
    400: lazy_gettext("The browser (or proxy) sent a request that this server could not understand."),
    403: lazy_gettext(
        "You don't have the permission to access the requested resource. It is either read-protected or not "
        "readable by the server."
    ),
    404: lazy_gettext(
        "The requested URL was not found on the server. If you entered the URL manually please check your "
        "spelling and try again."
    ),
    405: lazy_gettext("The method is not allowed for the requested URL."),
    413: lazy_gettext("The data value transmitted exceeds the capacity limit."),
    429: lazy_gettext("This user has exceeded an allotted request count. Try again later."),
}


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
    description = e.description
    if description == type(e).description and e.code in DEFAULT_DESCRIPTIONS:
        description = str(DEFAULT_DESCRIPTIONS[e.code])
    return error_response(e.code or 500, code, description or e.name, headers)


def handle_api_error(e: APIError):
    response = jsonify(e.to_dict())
    return response, e.status, e.headers


def handle_index_missing(e: IndexNotBuiltError):
    log.error("%s", e.message)
    return error_response(503, "index_not_built", gettext("The help center is being set up.") + " " + e.message)


def handle_unexpected(e: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", gettext("Something went wrong on our side. Please try again."))


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(APIError, handle_api_error)
    app.register_error_handler(IndexNotBuiltError, handle_index_missing)
    app.register_error_handler(Exception, handle_unexpected)
