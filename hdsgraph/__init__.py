"""hdsgraph: the French registry of certified health-data hosts as an open knowledge graph.

The library does what the CLI does::

    from hdsgraph import build
    report = build(out="dist")          # the bundled demonstration data
    report.answers["hosts-by-positioning"]

    from hdsgraph import query
    query("hosts-by-positioning", source="dist")       # a pandas DataFrame; or an endpoint URL
    from hdsgraph import generate, compare, write_report
    generate(["2022-04"], hosts=1000, seed=1).registries["2022-04"]   # a synthetic registry
    compare("2020-07", "2022-04", data="dist").result.rows            # what changed
    write_report("dist", "report")                                    # report.md, report.html
"""

__version__ = "0.1.0"

from hdsgraph import query  # noqa: E402  (a module you can call: see hdsgraph/query.py)
from hdsgraph.build import build  # noqa: E402
from hdsgraph.fetch import fetch  # noqa: E402
from hdsgraph.history import compare  # noqa: E402
from hdsgraph.importer import import_file  # noqa: E402
from hdsgraph.report import write_report  # noqa: E402
from hdsgraph.synth import generate  # noqa: E402

__all__ = ["build", "compare", "fetch", "generate", "import_file", "query", "write_report", "__version__"]
