"""Benchmark: one query embedding with the int8 ONNX export against sentence-transformers (torch).

    .venv/bin/python bench/query_encoder.py DATA_DIR      (a data folder where `kb index` exported the model)

Each encoder runs in its own fresh process, so import time and resident memory are its own. Prints the
import+load time, the median and p99 of 200 single-query embeddings (one thread, as in a serving worker),
and the peak resident memory of the process.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys

CHILD = r"""
import json, resource, statistics, sys, time
started = time.perf_counter()
kind, data_dir = sys.argv[1], sys.argv[2]
if kind == "onnx":
    from search import onnx
    encoder = onnx.OnnxEncoder(onnx.export_dir(data_dir), threads=1)
else:
    from search import semantic
    encoder = semantic.load_encoder(semantic.DEFAULT_MODEL, threads=1)
encoder.encode_queries(["warm up"])
loaded = time.perf_counter() - started
queries = [f"How do I reset my password after the link in email number {i} expired?" for i in range(200)]
times = []
for q in queries:
    t = time.perf_counter()
    encoder.encode_queries([q])
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"load_s": loaded, "p50_ms": statistics.median(times), "p99_ms": times[int(0.99 * len(times))],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "torch": "torch" in sys.modules}))
"""


def main() -> None:
    data_dir = sys.argv[1]
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; one thread per encoder")
    for kind in ("onnx", "torch"):
        out = subprocess.run([sys.executable, "-c", CHILD, kind, data_dir], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{kind:5}  load {r['load_s']:5.2f} s   p50 {r['p50_ms']:6.2f} ms   p99 {r['p99_ms']:6.2f} ms   "
            f"peak RSS {r['rss_mb']:5.0f} MB   torch imported: {r['torch']}"
        )


if __name__ == "__main__":
    main()
