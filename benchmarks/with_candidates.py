"""Run the hdsgraph CLI with the candidate query rewrites of benchmarks/queries/ in place
of the bundled files of the same name (a benchmark tool: hdsgraph itself always uses
queries/).

    python benchmarks/with_candidates.py build --registry history/ --out dist
"""

from __future__ import annotations

import sys
from pathlib import Path

from hdsgraph.cli import cli
from hdsgraph.pipeline import answers

CANDIDATES = Path(__file__).resolve().parent / "queries"
_bundled = answers.study_queries


def study_queries() -> dict[str, Path]:
    found = _bundled()
    return found | {p.stem: p for p in sorted(CANDIDATES.glob("*.rq")) if p.stem in found}


answers.study_queries = study_queries

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:], prog_name="hdsgraph"))
