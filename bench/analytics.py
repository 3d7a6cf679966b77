"""Benchmark: what analytics cost a page, how fast events reach the database, and how long the figures take.

    .venv/bin/python bench/analytics.py [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                                        [--events 200000]

1. Per request: the median time of the help center's /search page with recording on, against the same page
   for a bot (whose events are not recorded), so the difference is what recording adds.
2. The writer: events/s from the queue into the database, in batches.
3. The dashboard: time to compute every figure over a month of synthetic events (--events of them).
Uses tests/articles (no model needed). Prints medians; run it twice and compare on the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from kb import create_app
from kb.analytics import events, stats
from kb.cli import upgrade_database
from kb.db import events as events_table
from kb.index.build import build_index
from kb.state import state_of

ARTICLES = Path(__file__).resolve().parent.parent / "tests" / "articles"
CUSTOMER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def median_ms(client, path: str, agent: str, n: int) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        client.get(f"{path}{i}", headers={"User-Agent": agent})
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def synthetic(n: int, start: dt.datetime) -> list[dict]:
    rng = random.Random(0)
    queries = [f"question {i}" for i in range(500)]
    slugs = [f"article-{i}" for i in range(200)]
    rows = []
    for _ in range(n):
        kind = rng.choice(["search", "search", "view", "view", "search_click", "helpful", "suggestion_shown"])
        row = dict.fromkeys(("article", "query", "results", "position", "session", "visitor"))
        row.update(
            type=kind,
            created_at=start + dt.timedelta(seconds=rng.randrange(30 * 86400)),
            surface="beacon" if kind == "suggestion_shown" else "help_center",
            data={"helpful": rng.random() < 0.7} if kind == "helpful" else {},
            visitor=f"{rng.randrange(5000):032x}",
        )
        if kind in ("search", "search_click"):
            row.update(query=rng.choice(queries), results=rng.choice([0, 3, 5]), position=rng.randint(1, 10))
        if kind in ("view", "search_click", "helpful"):
            row["article"] = rng.choice(slugs)
        if kind == "suggestion_shown":
            row["session"] = f"s{rng.randrange(n)}"
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        build_index(ARTICLES, data_dir, encoder=None)
        url = args.database_url or f"sqlite:///{data_dir / 'kb.sqlite3'}"
        app = create_app(
            {
                "ARTICLES_DIR": str(ARTICLES),
                "DATA_DIR": str(data_dir),
                "DATABASE_URL": url,
                "SEMANTIC_ENABLED": False,
                "RATE_LIMIT": "off",
                "SECRET_KEY": "bench",
            }
        )
        with app.app_context():
            upgrade_database(app)
        engine = state_of(app).engine
        with engine.begin() as conn:
            conn.execute(events_table.delete())
        client = app.test_client()
        median_ms(client, "/search?q=invoices+", CUSTOMER, 20)  # warm up
        bot = median_ms(client, "/search?q=invoices+", BOT, args.requests)
        customer = median_ms(client, "/search?q=password+", CUSTOMER, args.requests)
        print(f"machine: {platform.machine()}, {platform.python_version()}, database: {url.split(':')[0]}")
        print(
            f"/search page median: {customer:.2f} ms recorded, {bot:.2f} ms not recorded (bot); "
            f"recording adds {customer - bot:+.2f} ms"
        )

        with app.app_context():
            writer = events.writer()
            rows = synthetic(20_000, dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
            writer.flush()
            for row in rows:
                writer.queue.append(row)
            start = time.perf_counter()
            written = writer.flush()
            elapsed = time.perf_counter() - start
            print(
                f"writer: {written} events in {elapsed:.2f} s ({written / elapsed:,.0f} events/s, batches of "
                f"{events.BATCH})"
            )
            events.close()

        with engine.begin() as conn:
            conn.execute(events_table.delete())
            for chunk in range(0, args.events, 20_000):
                conn.execute(
                    events_table.insert(),
                    synthetic(min(20_000, args.events - chunk), dt.datetime(2026, 10, 1, tzinfo=dt.UTC)),
                )
        period = stats.parse_period("2026-10-01", "2026-10-30")
        times = []
        for _ in range(3):
            start = time.perf_counter()
            stats.compute(engine, period)
            times.append(time.perf_counter() - start)
        print(f"figures over {args.events:,} events: median {statistics.median(times):.2f} s (3 runs)")
        with engine.begin() as conn:
            conn.execute(events_table.delete())
        engine.dispose()


if __name__ == "__main__":
    main()
