"""Production entry point for any WSGI server: ``gunicorn wsgi:app`` (``kb serve`` does this for you)."""
from __future__ import annotations

from kb import create_app

app = create_app()
