"""Benchmark: load, render and check a folder of articles (e.g. the 2,459 officedocs-support articles).

    .venv/bin/python bench/load_render.py ../shared/corpora/officedocs-support [--repeat 3]

Prints articles/s for loading (front matter) and for rendering + checking, as medians over the repeats.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from kb.content.articles import load_articles
from kb.content.pages import compile_articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_times, compile_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        library = load_articles(args.folder)
        loaded = time.perf_counter()
        compiled = compile_articles(args.folder)
        done = time.perf_counter()
        load_times.append(loaded - started)
        compile_times.append(done - loaded)
    count = len(library.articles)
    sections = sum(len(p.sections) for p in compiled.pages.values())
    errors = sum(p.level == "error" for p in compiled.problems)
    load, render = statistics.median(load_times), statistics.median(compile_times)
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}")
    warnings = len(compiled.problems) - errors
    print(f"articles: {count} ({sections} sections); problems: {errors} errors, {warnings} warnings")
    print(f"load (parse front matter only): median {load:.2f}s = {count / load:.0f} articles/s")
    print(f"load + render + sanitize + check: median {render:.2f}s = {count / render:.0f} articles/s")
    print(f"total: median {load + render:.2f}s over {args.repeat} run(s)")


if __name__ == "__main__":
    main()
