"""Benchmark: kb serve (gunicorn) under load: cold start, memory, suggest and search latency, saturation.

    .venv/bin/python bench/serve_load.py ../shared/corpora/officedocs-support [--articles 2000]
        [--workers 2] [--clients 4] [--seconds 20]

1. Indexes the first ``--articles`` articles of FOLDER (full text; semantic vectors are random, since
   embedding 10,000 long sections takes a quarter of an hour here and top-k over random vectors costs the
   same) and exports the int8 query model (checked on the shipped articles).
2. Starts ``kb serve --workers N`` and times the cold start to the first correct suggestion.
3. Measures the server's memory: PSS of the master and its workers, summed.
4. Runs ``--clients`` concurrent keep-alive clients on this same machine for ``--seconds`` each against
   POST /api/v1/suggest (30-word questions) and GET /api/v1/search, then more clients to find saturation.
Prints medians and percentiles in ms, throughput in requests/s, and every non-2xx status.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_latency import random_embeddings  # noqa: E402

from kb.build import build_index, current_build_dir, export_query_model, index_root  # noqa: E402
from kb.config import SHIPPED_ARTICLES  # noqa: E402
from search import onnx, semantic  # noqa: E402

WORD = re.compile(r"[A-Za-z]{3,}")


def subset(folder: Path, limit: int, target: Path) -> int:
    """The first ``limit`` articles of ``folder`` (and its non-Markdown files), copied into ``target``."""
    count = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".md":
            if count >= limit:
                continue
            count += 1
        copy = target / path.relative_to(folder)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)  # not a symlink: kb never follows links out of the articles folder
    return count


def questions(build_dir: Path, count: int, words: int = 30) -> list[str]:
    """30-word questions made of consecutive words of section texts: long, on-topic, reproducible."""
    pages = json.loads((build_dir / "pages.json").read_text("utf-8"))["pages"]
    texts = [WORD.findall(s["text"]) for p in pages for s in p["sections"]]
    texts = [t for t in texts if len(t) >= words]
    rng = random.Random(0)
    found = []
    for text in rng.sample(texts, min(count, len(texts))):
        start = rng.randrange(len(text) - words + 1)
        found.append("How do I " + " ".join(text[start : start + words - 3]) + "?")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pss_mb(pid: int) -> float:
    """PSS of a process and its children (proportional: shared copy-on-write pages counted once)."""
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for p in pids:
        for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total / 1024


def call(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None):
    data = json.dumps(body) if body is not None else None
    headers = {"Content-Type": "application/json", "User-Agent": "Mozilla/5.0 bench"} if data else {}
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    return response.status, payload


def load(port: int, clients: int, seconds: float, make_request) -> dict:
    """``clients`` threads calling ``make_request(i)`` -> (method, path, body) for ``seconds``."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = n
        mine, codes = [], Counter()
        while time.monotonic() < deadline:
            method, path, body = make_request(i)
            started = time.perf_counter()
            try:
                status, _ = call(conn, method, path, body)
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            codes[status] += 1
            i += clients
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "requests": len(ordered),
        "throughput": len(ordered) / elapsed,
        "p50": statistics.median(ordered),
        "p90": pick(0.9),
        "p99": pick(0.99),
        "statuses": dict(statuses),
    }


def line(name: str, r: dict) -> str:
    return (
        f"{name:34} {r['throughput']:7.1f} req/s   p50 {r['p50']:6.1f} ms   p90 {r['p90']:6.1f} ms   "
        f"p99 {r['p99']:6.1f} ms   statuses {r['statuses']}"
    )


def prepare(folder: Path, limit: int, work: Path) -> tuple[Path, Path, int, int]:
    articles, data = work / "articles", work / "data"
    articles.mkdir()
    count = subset(folder, limit, articles)
    report = build_index(articles, data, encoder=None, full=True)
    random_embeddings(current_build_dir(index_root(data)), semantic.DEFAULT_MODEL)
    model_data = work / "model-check"
    encoder = semantic.load_encoder(semantic.DEFAULT_MODEL)
    build_index(SHIPPED_ARTICLES, model_data, encoder=encoder)
    print(export_query_model(model_data, encoder) or "query model already exported")
    (data / "model").mkdir()
    os.rename(onnx.export_dir(model_data), onnx.export_dir(data))
    return articles, data, count, report.sections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--saturation", default="8,16,32", help="client counts to try beyond --clients")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        work = Path(tmp)
        articles, data, count, sections = prepare(args.folder, args.articles, work)
        if not sections:
            raise SystemExit(f"no sections indexed from {args.folder}")
        build_dir = current_build_dir(index_root(data))
        asked = questions(build_dir, 500)
        port = free_port()
        env = {
            **os.environ,
            "KB_ARTICLES_DIR": str(articles),
            "KB_DATA_DIR": str(data),
            "KB_RATE_LIMIT": "off",
            "KB_SECRET_KEY": "bench",
            "KB_SUGGEST_MIN_SCORE": "0",  # random vectors: any suggestion counts as a correct answer here
        }
        kb = Path(sys.executable).with_name("kb")
        command = [str(kb), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)]
        started = time.monotonic()
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            cold = None
            while cold is None and time.monotonic() - started < 120:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    status, payload = call(conn, "POST", "/api/v1/suggest", {"text": asked[0]})
                    if status == 200 and json.loads(payload)["suggestions"]:
                        cold = time.monotonic() - started
                except OSError:
                    time.sleep(0.02)
            print(
                f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
                f"{count} articles, {sections} sections; {args.workers} workers; int8 ONNX query model"
            )
            print(f"cold start to the first suggestion: {cold:.2f} s")
            warm = load(port, args.clients, 3, lambda i: ("POST", "/api/v1/suggest", {"text": asked[i % 500]}))
            print(
                f"memory (PSS, master + workers) after warm-up: {pss_mb(server.pid):.0f} MB ({warm['requests']} "
                "requests)"
            )
            suggest = load(
                port, args.clients, args.seconds, lambda i: ("POST", "/api/v1/suggest", {"text": asked[i % 500]})
            )
            print(line(f"suggest, {args.clients} clients", suggest))
            words = [" ".join(q.split()[3:7]) for q in asked]
            search = load(
                port,
                args.clients,
                args.seconds,
                lambda i: ("GET", "/api/v1/search?q=" + words[i % 500].replace(" ", "+"), None),
            )
            print(line(f"search, {args.clients} clients", search))
            for clients in [int(c) for c in args.saturation.split(",") if c]:
                result = load(
                    port, clients, args.seconds / 2, lambda i: ("POST", "/api/v1/suggest", {"text": asked[i % 500]})
                )
                print(line(f"suggest, {clients} clients", result))
            print(f"memory (PSS) at the end: {pss_mb(server.pid):.0f} MB")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)


if __name__ == "__main__":
    main()
