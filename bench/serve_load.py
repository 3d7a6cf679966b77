"""Benchmark: kb serve (gunicorn) under load: cold start, memory, suggest and search latency, saturation.

    .venv/bin/python bench/serve_load.py ../shared/corpora/officedocs-support [--articles 2000]
        [--workers 2] [--clients 4] [--seconds 20] [--workdir DIR] [--chats QUERIES_JSONL]

1. Indexes the first ``--articles`` articles of FOLDER (full text; semantic vectors are random, since
   embedding 10,000 long sections takes a quarter of an hour here and top-k over random vectors costs the
   same) and exports the int8 query model (checked on the shipped articles). With ``--workdir``, the
   prepared articles and index are kept there and reused by the next run.
2. Starts ``kb serve --workers N`` and times the cold start to the first correct suggestion.
3. Measures the server's memory: PSS of the master and its workers, summed.
4. Runs ``--clients`` concurrent keep-alive clients on this same machine for ``--seconds`` each against
   POST /api/v1/suggest (30-word questions) and GET /api/v1/search; one client sending whole chats of about
   300 words (``messages``: made of the articles, or real ones with ``--chats``); then more clients to find
   saturation.
   No question or query is sent twice, so no cache can answer for the model. A client told 503 or 429
   waits for its Retry-After before its next request, as the beacon and any polite client do.
Prints medians and percentiles in ms, throughput in requests/s, every status (with the median time of the
refusals, to show that overload is answered quickly), and the CPU the load generator itself used.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
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

from kb.config import SHIPPED_ARTICLES  # noqa: E402
from kb.content.store import Site  # noqa: E402
from kb.index import shared_vectors  # noqa: E402
from kb.index.build import build_index, export_query_model  # noqa: E402
from kb.index.layout import current_build_dir, index_root  # noqa: E402
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
    """``count`` distinct 30-word questions made of consecutive words of section texts: long, on-topic and
    reproducible; enough of them that a run never sends one twice."""
    pages = Site.load(build_dir / "pages.json", lazy=False).pages.values()
    texts = [WORD.findall(s.text) for p in pages for s in p.sections]
    texts = [t for t in texts if len(t) >= words]
    rng = random.Random(0)
    found: dict[str, None] = {}
    for _ in range(count * 3):
        text = rng.choice(texts)
        start = rng.randrange(len(text) - words + 1)
        found["How do I " + " ".join(text[start : start + words - 3]) + "?"] = None
        if len(found) == count:
            break
    return list(found)


CHAT_TURNS = 11  # customer first and last: about 300 words in all
CHAT_TURN_WORDS = 27


def conversations(build_dir: Path, count: int) -> list[list[dict]]:
    """``count`` distinct whole chats of about 300 words, the customer and an agent taking turns, each turn made
    of consecutive words of a section (on-topic, reproducible): what the beacon sends at its end."""
    turns = iter(questions(build_dir, count * CHAT_TURNS, CHAT_TURN_WORDS))
    return [
        [{"role": "agent" if n % 2 else "customer", "text": next(turns)} for n in range(CHAT_TURNS)]
        for _ in range(count)
    ]


def read_chats(path: Path) -> list[list[dict]]:
    """Real chats from a ``queries.jsonl`` whose texts are transcripts ("User: ..." and "Agent: ..." lines,
    as ``../shared/eval/dstc10-dev``), as turns."""
    chats = []
    for row in path.read_text("utf-8").splitlines():
        turns: list[dict] = []
        for said in json.loads(row)["text"].splitlines():
            speaker, _, text = said.partition(": ")
            role = {"user": "customer", "agent": "agent"}.get(speaker.strip().lower())
            if role is None and turns:  # a line that goes on the turn before
                turns[-1]["text"] += " " + said
            elif role is not None and text.strip():
                turns.append({"role": role, "text": text.strip()})
        if turns:
            chats.append(turns)
    return chats


def transcript(chat: list[dict]) -> str:
    return "\n".join(turn["text"] for turn in chat)


class Exhausted(Exception):
    """A feed that may run out (the real chats: a few dozen) ends its clients' run instead of the benchmark."""


class Feed:
    """Hands out the questions one at a time to every client thread, never the same one twice."""

    def __init__(self, items: list, *, may_run_out: bool = False):
        self.items = items
        self.may_run_out = may_run_out
        self._next = itertools.count()

    def take(self):
        n = next(self._next)  # atomic under the GIL
        if n >= len(self.items):
            if self.may_run_out:
                raise Exhausted
            raise SystemExit(f"ran out of distinct questions after {len(self.items)}; lower --seconds")
        return self.items[n]


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
    status, payload, _ = call_with_headers(conn, method, path, body)
    return status, payload


def call_with_headers(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None):
    data = json.dumps(body) if body is not None else None
    headers = {"Content-Type": "application/json", "User-Agent": "Mozilla/5.0 bench"} if data else {}
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    return response.status, payload, response.headers


def load(port: int, clients: int, seconds: float, make_request) -> dict:
    """``clients`` keep-alive clients each calling ``make_request()`` -> (method, path, body) for ``seconds``."""
    results: list[tuple[object, float]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < deadline:
            try:
                method, path, body = make_request()
            except Exhausted:
                break
            started = time.perf_counter()
            retry_after = 0.0
            try:
                status, _, headers = call_with_headers(conn, method, path, body)
                if status in (429, 503):  # as the beacon and any polite client: wait as told
                    retry_after = min(float(headers.get("Retry-After") or 1), 5.0)
            except (OSError, http.client.HTTPException) as e:
                status = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((status, (time.perf_counter() - started) * 1000))
            time.sleep(min(retry_after, max(0.0, deadline - time.monotonic())))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started, cpu = time.monotonic(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    answered = sorted(ms for status, ms in results if status == 200)
    refused = sorted(ms for status, ms in results if status != 200)
    pick = lambda q: answered[min(len(answered) - 1, int(q * len(answered)))] if answered else float("nan")  # noqa: E731
    return {
        "requests": len(results),
        "throughput": len(answered) / elapsed,
        "p50": pick(0.5),
        "p90": pick(0.9),
        "p99": pick(0.99),
        "statuses": dict(Counter(status for status, _ in results)),
        "refused_p50": statistics.median(refused) if refused else None,
        "generator_cpu": (time.process_time() - cpu) / elapsed,
    }


def line(name: str, r: dict, model_ms: float | None = None) -> str:
    refused = f"   refusals answered in {r['refused_p50']:.1f} ms (median)" if r["refused_p50"] is not None else ""
    multiples = f"   (p50 {r['p50'] / model_ms:.1f} M, p99 {r['p99'] / model_ms:.1f} M)" if model_ms else ""
    return (
        f"{name:24} {r['throughput']:6.1f} answers/s   p50 {r['p50']:6.1f} ms   p90 {r['p90']:6.1f} ms   "
        f"p99 {r['p99']:6.1f} ms{multiples}   statuses {r['statuses']}{refused}   "
        f"load generator {r['generator_cpu']:.2f} CPU"
    )


def model_ms(data: Path, texts: list[str]) -> float:
    """M: the median time of one call of the int8 query model on each text, in this process, one thread: the
    model's own cost of the texts the server is sent (what each request's latency is measured against)."""
    encoder = onnx.OnnxEncoder(onnx.export_dir(data), threads=1)
    encoder.encode_queries(["warm up"])
    times = []
    for text in texts:
        started = time.perf_counter()
        encoder.encode_queries([text])
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def prepare(folder: Path, limit: int, work: Path) -> tuple[Path, Path, int, int]:
    """The articles and data folder to serve, made in ``work`` unless a previous run left them there."""
    articles, data = work / "articles", work / "data"
    if (work / "prepared.json").exists():
        prepared = json.loads((work / "prepared.json").read_text("utf-8"))
        return articles, data, prepared["articles"], prepared["sections"]
    for leftover in (articles, data, work / "model-check"):
        shutil.rmtree(leftover, ignore_errors=True)
    articles.mkdir(parents=True)
    count = subset(folder, limit, articles)
    report = build_index(articles, data, encoder=None, full=True, allow_errors=True)
    random_embeddings(current_build_dir(index_root(data)), semantic.DEFAULT_MODEL)
    model_data = work / "model-check"
    encoder = semantic.load_encoder(semantic.DEFAULT_MODEL)
    build_index(SHIPPED_ARTICLES, model_data, encoder=encoder)
    print(export_query_model(model_data, encoder) or "query model already exported")
    (data / "model").mkdir()
    os.rename(onnx.export_dir(model_data), onnx.export_dir(data))
    shutil.rmtree(model_data)
    (work / "prepared.json").write_text(json.dumps({"articles": count, "sections": report.sections}), "utf-8")
    return articles, data, count, report.sections


def start_server(articles: Path, data: Path, workers: int, first_question: str):
    """``kb serve`` started as a user would; returns (process, port, seconds to the first suggestion)."""
    for path in data.glob(shared_vectors.FILE + "*"):  # a previous run's query vectors would answer for the model
        path.unlink()
    port = free_port()
    env = {
        **os.environ,
        "KB_ARTICLES_DIR": str(articles),
        "KB_DATA_DIR": str(data),
        "KB_RATE_LIMIT": "off",  # every client here comes from one address
        "KB_SECRET_KEY": "bench",
        "KB_SUGGEST_MIN_SCORE": "0",  # random vectors: any suggestion counts as a correct answer here
    }
    kb = Path(sys.executable).with_name("kb")
    command = [str(kb), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    started = time.monotonic()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.monotonic() - started < 120:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            status, payload = call(conn, "POST", "/api/v1/suggest", {"text": first_question})
            if status == 200 and json.loads(payload)["suggestions"]:
                return server, port, time.monotonic() - started
        except OSError:
            time.sleep(0.02)
    server.kill()
    raise SystemExit("kb serve gave no suggestion within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--saturation", default="8,16,32,64", help="client counts to try beyond --clients")
    parser.add_argument("--workdir", type=Path, help="keep the prepared articles and index here, for the next run")
    parser.add_argument(
        "--chats", type=Path, help="real chats (a queries.jsonl of transcripts) instead of ones made of the articles"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        work = args.workdir or Path(tmp)
        articles, data, count, sections = prepare(args.folder, args.articles, work)
        if not sections:
            raise SystemExit(f"no sections indexed from {args.folder}")
        asked = Feed(questions(current_build_dir(index_root(data)), 40_000))
        searched = Feed(list(dict.fromkeys(" ".join(q.split()[3:7]) for q in asked.items)))
        model_suggest = model_ms(data, random.Random(3).sample(asked.items, 200))
        model_search = model_ms(data, random.Random(4).sample(searched.items, 200))
        build = current_build_dir(index_root(data))
        chats = Feed(read_chats(args.chats), may_run_out=True) if args.chats else Feed(conversations(build, 2_000))
        model_chat = model_ms(
            data, [transcript(c) for c in random.Random(5).sample(chats.items, min(200, len(chats.items)))]
        )
        server, port, cold = start_server(articles, data, args.workers, asked.take())
        try:
            print(
                f"machine: {platform.machine()}, {os.cpu_count()} CPUs ({cpu_model()}), Python "
                f"{platform.python_version()}; {count} articles, {sections} sections; {args.workers} workers"
            )
            print(f"cold start to the first suggestion: {cold:.2f} s")
            print(
                f"M, the model alone (one int8 call, one thread): {model_suggest:.1f} ms for a 30-word question, "
                f"{model_search:.1f} ms for a search query, {model_chat:.1f} ms for a whole chat "
                f"({statistics.median(len(transcript(c).split()) for c in chats.items):.0f} words, "
                f"{'from ' + str(args.chats) if args.chats else 'made of the articles'})"
            )

            def suggest():
                return "POST", "/api/v1/suggest", {"text": asked.take()}

            def search():
                return "GET", "/api/v1/search?q=" + searched.take().replace(" ", "+"), None

            warm = load(port, args.clients, 3, suggest)
            pss = pss_mb(server.pid)
            print(f"memory (PSS, master + workers) after warm-up: {pss:.0f} MB ({warm['requests']} requests)")
            print(line("suggest, 1 client", load(port, 1, args.seconds / 2, suggest), model_suggest))
            print(
                line(f"suggest, {args.clients} clients", load(port, args.clients, args.seconds, suggest), model_suggest)
            )
            print(line("search, 1 client", load(port, 1, args.seconds / 2, search), model_search))
            print(line(f"search, {args.clients} clients", load(port, args.clients, args.seconds, search), model_search))

            def chat():
                return "POST", "/api/v1/suggest", {"messages": chats.take()}

            print(line("suggest, whole chat, 1 client", load(port, 1, args.seconds / 2, chat), model_chat))
            # What the server costs besides the model: the same 50 questions again and again, once every worker
            # has embedded each of them (kb remembers the query embeddings it made).
            again = itertools.cycle(asked.items[-50:])

            def suggest_again():
                return "POST", "/api/v1/suggest", {"text": next(again)}

            load(port, args.clients, args.seconds / 2, suggest_again)
            repeated = load(port, args.clients, args.seconds / 2, suggest_again)
            print(line(f"suggest, {args.clients} clients, asked before", repeated))
            for clients in [int(c) for c in args.saturation.split(",") if c]:
                print(line(f"suggest, {clients} clients", load(port, clients, args.seconds / 2, suggest)))
            print(f"memory (PSS) at the end: {pss_mb(server.pid):.0f} MB")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)


def cpu_model() -> str:
    for row in Path("/proc/cpuinfo").read_text().splitlines():
        if row.startswith("model name"):
            return row.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
