"""Time each study query on a built graph, as `hdsgraph query` runs it (Oxigraph store).

Usage: python benchmarks/query_times.py BUILD_DIR --runs 3   (prints JSON)

Loads the build's N-Triples once (the load time is reported apart), then runs every
bundled query ``--runs`` times and reports the median time of each, with the number of
triples and rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from hdsgraph.pipeline.answers import run_select, study_queries
from hdsgraph.rdf.store import open_store


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    store = open_store(args.build)
    load = time.perf_counter() - start
    queries = {}
    for name, path in study_queries().items():
        text = path.read_text(encoding="utf-8")
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            rows = run_select(store, text, None, name).rows
            times.append(time.perf_counter() - start)
        queries[name] = {"seconds": statistics.median(times), "runs": times, "rows": len(rows)}
    print(json.dumps({"triples": len(store), "load_seconds": load, "queries": queries}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
