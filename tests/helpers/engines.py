"""SPARQL engines other than hdsgraph's own, each answering a query on a dump as SPARQL JSON.

- rdflib, in-process;
- pyoxigraph, in-process (what hdsgraph itself uses, here without hdsgraph's code);
- Jena ARQ (Debian ``libapache-jena-java``, which installs jars but no ``arq`` script):
  ``java/JenaQueries.java`` run with Java's single-file launcher, every query in one JVM;
- Virtuoso 7.2: tests/helpers/virtuoso.py, the dump loaded with ``isql`` into a graph of
  its own, queried over HTTP with that graph as ``default-graph-uri``.

Every engine's answer is SPARQL JSON bytes, which the tests read with one parser, so the
only thing that differs between engines is the engine.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
import requests

JAVA_LIBS = Path("/usr/share/java")
JENA_PROGRAM = Path(__file__).parent / "java" / "JenaQueries.java"
# Jena's jars and the Debian jars they need at run time (libapache-jena-java's dependencies).
JENA_JARS = ("jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-iri", "jena-shacl", "jena-shex", "jena-tdb",
             "jena-tdb2", "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage", "jena-dboe-trans-data",
             "jena-dboe-transaction", "jena-rdfconnection", "jena-rdfpatch")  # fmt: skip
JENA_DEPENDENCIES = ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
                     "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-core", "jackson-databind",
                     "jackson-annotations", "jakarta.json-api", "jsonld-java", "protobuf", "thrift",
                     "titanium-json-ld", "slf4j-api", "slf4j-nop", "caffeine", "commons-collections4")  # fmt: skip


def jena_available() -> bool:
    return shutil.which("java") is not None and (JAVA_LIBS / "jena-arq.jar").is_file()


def jena_classpath(cache_dir: Path) -> str:
    """The classpath for ``arq.sparql``.

    Debian's jena-core moves Jena's bundled Xerces classes to the package ``xerces`` but
    leaves their message files under ``org/apache/jena/ext/xerces``, so the first regular
    expression Jena compiles fails ("internal error"). A small jar holding the same message
    files where the moved classes look for them mends that, without touching the system.
    """
    mend = cache_dir / "jena-xerces-messages.jar"
    if not mend.exists():
        prefix = "org/apache/jena/ext/xerces/"
        with zipfile.ZipFile(JAVA_LIBS / "jena-core.jar") as source, zipfile.ZipFile(mend, "w") as target:
            for name in source.namelist():
                if name.startswith(prefix) and name.endswith(".properties"):
                    target.writestr("xerces/" + name[len(prefix) :], source.read(name))
    jars = [JAVA_LIBS / f"{name}.jar" for name in JENA_JARS + JENA_DEPENDENCIES]
    return ":".join(str(j) for j in [*jars, mend] if j.is_file())


def jena_answers(classpath: str, dump: Path, queries: dict[str, str], work: Path) -> dict[str, bytes]:
    """Jena ARQ's answers (SPARQL JSON) to each query on the N-Triples ``dump``, in one JVM."""
    args = []
    for index, text in enumerate(queries.values()):
        (work / f"{index}.rq").write_text(text, encoding="utf-8")
        args += [str(work / f"{index}.rq"), str(work / f"{index}.json")]
    result = subprocess.run(
        ["java", "-cp", classpath, str(JENA_PROGRAM), str(dump), *args],
        capture_output=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise AssertionError(f"Jena ARQ failed: {result.stderr.decode(errors='replace')[-2000:]}")
    return {name: (work / f"{index}.json").read_bytes() for index, name in enumerate(queries)}


@cache
def _rdflib_graph(dump: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(dump, format="nt")


def rdflib_json(dump: Path, text: str) -> bytes:
    return _rdflib_graph(dump).query(text).serialize(format="json")


@cache
def _oxigraph_store(dump: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES)
    return store


def oxigraph_json(dump: Path, text: str) -> bytes:
    return _oxigraph_store(dump).query(text).serialize(format=ox.QueryResultsFormat.JSON)


def virtuoso_load(server, isql, dump: Path, graph: str, folder: Path) -> None:
    """Load ``dump`` into ``graph`` of a running Virtuoso (its folder is in DirsAllowed)."""
    target = folder / f"load-{abs(hash(graph))}.nt"
    shutil.copyfile(dump, target)
    isql(server, f"SPARQL CLEAR GRAPH <{graph}>;\nDB.DBA.TTLP_MT(file_to_string_output('{target}'), '', '{graph}', 0);")


def virtuoso_json(server, graph: str, text: str) -> bytes:
    response = requests.post(
        server.sparql,
        data={"query": text, "default-graph-uri": graph},
        headers={"Accept": "application/sparql-results+json"},
        timeout=300,
    )
    if not response.ok:
        raise AssertionError(f"Virtuoso answered {response.status_code}: {response.text[:500]}")
    return response.content
