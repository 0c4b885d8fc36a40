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

from hdsgraph._version import __version__ as __version__


def _api():
    import importlib

    return importlib.import_module("hdsgraph.api")  # not `from hdsgraph import api`: that asks __getattr__


def __getattr__(name: str):
    if name.startswith("__"):  # introspection (__wrapped__, __path__...) must not load the library
        raise AttributeError(f"module 'hdsgraph' has no attribute {name!r}")
    api = _api()
    if name in api.__all__:  # the names the package exports are hdsgraph.api's: one list
        return getattr(api, name)
    raise AttributeError(f"module 'hdsgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(["__version__", *_api().__all__])
