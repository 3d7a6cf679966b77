"""Production entry point for any WSGI server: ``gunicorn wsgi:app``.

``kb serve`` does this for you, after bringing the database up to date and building a missing index. Under
another server, run ``kb db upgrade`` and ``kb index`` first (the factory only wires the app together).
"""

from __future__ import annotations

from kb import create_app

app = create_app()
