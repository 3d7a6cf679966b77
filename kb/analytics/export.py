"""The dashboard's tables as CSV files, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.analytics.stats import Stats

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(headers: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([[safe_cell(value) for value in row] for row in rows])
    return out.getvalue()


def safe_cell(value):
    """Spreadsheets run cells that start with = + - @ as formulas: defuse customer-typed text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def tables(stats: Stats) -> dict[str, tuple[list[str], list[list]]]:
    return {
        "searches-per-day": (["date", "searches"], [[d["date"], d["count"]] for d in stats.searches_per_day]),
        "top-searches": (
            ["query", "searches", "no_results", "clicks"],
            [[s["query"], s["count"], s["no_results"], s["clicks"]] for s in stats.top_searches],
        ),
        "content-gaps": (
            ["group", "group_searches", "query", "searches", "no_results", "no_confident_result"],
            [
                [
                    g["label"],
                    g["count"],
                    q["query"],
                    q["count"],
                    q.get("no_results", 0),
                    q.get("no_confident_result", 0),
                ]
                for g in stats.content_gaps
                for q in g["queries"]
            ],
        ),
        "articles": (
            ["slug", "title", "views", "helpful", "not_helpful", "helpful_rate", "reasons", "flagged"],
            [
                [
                    a["slug"],
                    a["title"],
                    a["views"],
                    a["helpful"],
                    a["not_helpful"],
                    a["helpful_rate"],
                    "; ".join(f"{k}: {v}" for k, v in a["reasons"].items()),
                    a["flagged"],
                ]
                for a in stats.articles
            ],
        ),
        "click-position": (
            ["position", "clicks", "rate"],
            [[p["position"], p["clicks"], p["rate"]] for p in stats.ctr_by_position],
        ),
        "suggestion-ctr": (
            ["surface", "shown", "clicked", "rate"],
            [[s, v["shown"], v["clicked"], v["rate"]] for s, v in stats.suggestion_ctr.items()],
        ),
        "deflection": (["figure", "value"], [[k, v] for k, v in stats.deflection.items()]),
    }
