"""Run morph-kgc on the prepared tables (in morph-kgc's own virtual environment).

Usage: python rml_materialise.py PREPARED_DIR MAPPING.rml.ttl OUT.nt TIMES.json

Times ``morph_kgc.materialize_set`` (the mapping itself, in process), then writes the
triples as sorted N-Triples (timed apart) and the times as JSON.
"""

import json
import os
import sys
import time
from importlib.metadata import version
from pathlib import Path

import morph_kgc


def main() -> int:
    prepared, mapping, out, times_file = (Path(a).resolve() for a in sys.argv[1:5])
    os.chdir(prepared)  # the mapping names its sources relative to here
    config = f"[CONFIGURATION]\nnumber_of_processes: 1\nlogging_level: WARNING\n[hds]\nmappings: {mapping}\n"
    start = time.perf_counter()
    triples = morph_kgc.materialize_set(config)
    materialise = time.perf_counter() - start
    start = time.perf_counter()
    out.write_text("".join(f"{t} .\n" for t in sorted(triples)), encoding="utf-8")
    write = time.perf_counter() - start
    times_file.write_text(
        json.dumps(
            {
                "stages": {"materialise": materialise, "write nt": write},
                "triples": len(triples),
                "version": version("morph-kgc"),
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
