"""A real Virtuoso 7.2 (Debian ``virtuoso-opensource``) for the store tests, private and stopped after.

``virtuoso(tmp)`` writes a ``virtuoso.ini`` of its own into ``tmp`` (database, logs, two free
loopback ports: the SQL port that ``isql-vt`` talks to and the HTTP port), starts
``virtuoso-t`` in the foreground (no system service, nothing under /var/lib), waits until
its SPARQL endpoint answers, then creates a test user holding the ``SPARQL_UPDATE`` role,
which is what Virtuoso's authenticated Graph Store endpoint ``/sparql-graph-crud-auth``
asks for, with HTTP Digest authentication. On exit the server is stopped and its folder
left to pytest's tmp cleanup.

When the package is not installed the test skips, saying so (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers.servers import STARTUP, free_port, stop

USER, PASSWORD = "hds-publisher", "digest-only-pw"  # the test user; Virtuoso's own dba keeps its default

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 8
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {dir}
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}/vsp
MaxClientConnections = 8
ServerThreads = 8
EnabledDavVSP = 0
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""

# The user the Graph Store endpoint lets in: SPARQL_UPDATE role, and write access to every graph.
SETUP = f"""\
DB.DBA.USER_CREATE('{USER}', '{PASSWORD}');
GRANT SPARQL_UPDATE TO "{USER}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{USER}', 15);
"""


@dataclass(frozen=True)
class Virtuoso:
    base: str  # http://127.0.0.1:PORT
    sparql: str  # the public query endpoint
    graph_store: str  # the authenticated Graph Store endpoint (Digest)
    user: str
    password: str
    isql: tuple[str, ...]  # the isql-vt command that reaches it as dba, for tests that need SQL
    folder: Path  # its private folder, where isql may read files (DirsAllowed)


def isql(server: Virtuoso, script: str) -> str:
    """Run SQL (or ``SPARQL ...;`` lines) as dba; raise with Virtuoso's message if it fails."""
    result = subprocess.run(
        [*server.isql, f"EXEC={script}"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
        raise RuntimeError(f"isql failed: {result.stdout}{result.stderr}")
    return result.stdout


@contextmanager
def virtuoso(tmp: Path):
    binary, client = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or client is None:
        pytest.skip("Virtuoso is not installed (Debian virtuoso-opensource; .ci/run installs it when it may)")
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "vsp").mkdir(exist_ok=True)
    sql, http = free_port(), free_port()
    ini = tmp / "virtuoso.ini"
    ini.write_text(INI.format(dir=tmp, sql=sql, http=http))
    base = f"http://127.0.0.1:{http}"
    with open(tmp / "stdout.log", "wb") as log:
        process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + STARTUP * 2  # a first start creates the database
            while True:
                try:
                    if requests.get(base + "/sparql", params={"query": "ASK {}"}, timeout=5).ok:
                        break
                except requests.ConnectionError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Virtuoso did not start: {(tmp / 'virtuoso.log').read_text(errors='replace')}")
                time.sleep(0.2)
            server = Virtuoso(
                base,
                base + "/sparql",
                base + "/sparql-graph-crud-auth",
                USER,
                PASSWORD,
                (client, f"127.0.0.1:{sql}", "dba", "dba"),
                tmp,
            )
            isql(server, SETUP)
            yield server
        finally:
            stop(process)
