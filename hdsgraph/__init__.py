"""hdsgraph: the French registry of certified health-data hosts as an open knowledge graph.

The library does what the CLI does::

    from hdsgraph import build
    report = build(out="dist")          # the bundled demonstration data
    report.answers["hosts-by-positioning"]
"""

__version__ = "0.1.0"

from hdsgraph.build import build  # noqa: E402
from hdsgraph.fetch import fetch  # noqa: E402
from hdsgraph.importer import import_file  # noqa: E402

__all__ = ["build", "fetch", "import_file", "__version__"]
