"""hdsgraph: the French registry of certified health-data hosts as an open knowledge graph.

The library does what the CLI does::

    from hdsgraph import build
    report = build(out="dist")          # the bundled demonstration data
    report.answers["hosts-by-positioning"]

    from hdsgraph import query
    query("hosts-by-positioning", source="dist")       # a pandas DataFrame; or an endpoint URL
"""

__version__ = "0.1.0"

from hdsgraph import query  # noqa: E402  (a module you can call: see hdsgraph/query.py)
from hdsgraph.build import build  # noqa: E402
from hdsgraph.fetch import fetch  # noqa: E402
from hdsgraph.importer import import_file  # noqa: E402

__all__ = ["build", "fetch", "import_file", "query", "__version__"]
