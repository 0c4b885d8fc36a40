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

The functions live in ``hdsgraph.api``; they are imported on first use (PEP 562), so that
``import hdsgraph`` and ``hdsgraph --version`` stay light.
"""

from hdsgraph._version import __version__

API = (
    "build",
    "compare",
    "fetch",
    "generate",
    "import_file",
    "publish",
    "query",
    "validate_file",
    "write_report",
    "write_site",
)
__all__ = [*API, "__version__"]


def __getattr__(name: str):
    if name in API:
        from hdsgraph import api

        return getattr(api, name)
    raise AttributeError(f"module 'hdsgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
