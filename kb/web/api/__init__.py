"""The JSON API under /api/v1: public, agent and admin endpoints, and their OpenAPI document. One error shape."""

from __future__ import annotations
