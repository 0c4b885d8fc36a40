"""The static site's server configurations, as generated, on the real servers: Apache 2.4
(Debian apache2) reading the site's .htaccess under the AllowOverride its comment asks for,
and nginx with the site's snippet (only its alias replaced, as the comment says). Each is
started on a free loopback port with a private configuration, and stopped.

For a host (whose IRI is also a folder, host/ID/, holding its certificates), a certificate,
an activity and the ontology: each Accept header must get the right file, with the right
Content-Type, and no redirect; q-values decide (text/html, text/turtle;q=0.1 is HTML)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from hdsgraph.site.pages import write_site
from tests.helpers.servers import free_port, stop

APACHE_MODULES = Path("/usr/lib/apache2/modules")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
# Accept header -> the file extension that must answer
ACCEPTS = {
    "text/html": ".html",
    "text/turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "text/html, text/turtle;q=0.1": ".html",
    "text/turtle;q=0.9, text/html;q=0.5": ".ttl",
    "application/ld+json, text/turtle;q=0.8, */*;q=0.1": ".jsonld",
    "text/turtle, application/ld+json": ".ttl",  # a tie: Turtle
    "application/ld+json;q=0.3, text/html;q=0.2": ".jsonld",
    BROWSER: ".html",
    "*/*": ".html",
    "": ".html",  # no Accept header at all
}
MEDIA = {".html": "text/html", ".ttl": "text/turtle", ".jsonld": "application/ld+json"}


@pytest.fixture(scope="module")
def root(bundled):
    """A folder the servers' unprivileged workers can read, holding the site at hdsgraph/
    (the path of the default base IRI, https://w3id.org/hdsgraph/)."""
    folder = Path(tempfile.mkdtemp(prefix="hdsgraph-webservers-"))
    folder.chmod(0o755)
    write_site(bundled, folder / "hdsgraph")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def resources(root) -> dict[str, str]:
    """A path (under /hdsgraph/) for each kind of resource, taken from the site itself."""
    site = root / "hdsgraph"
    host = next(p for p in sorted((site / "host").iterdir()) if p.is_dir())  # a host with certificates
    certificate = next(iter(sorted((host / "certificate").glob("*.html"))))
    return {
        "host": f"host/{host.name}",
        "certificate": f"host/{host.name}/certificate/{certificate.stem}",
        "activity": "activity/3",
        "ontology": "ontology",
    }


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text() if log.exists() else ''}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


@contextmanager
def apache_server(root, run: Path, options: str = ""):
    """Apache on a free port serving ``root``; ``options`` an Options line for the folder."""
    binary = shutil.which("apache2") or "/usr/sbin/apache2"
    if not Path(binary).exists():
        pytest.skip("Apache is not installed (Debian apache2; .ci/run installs it)")
    port = free_port()
    modules = ["mpm_event", "authz_core", "mime", "dir", "rewrite", "headers"]  # unixd is built in
    (run / "mime.types").write_text("")
    conf = run / "httpd.conf"
    conf.write_text(
        "\n".join(
            [f"LoadModule {m}_module {APACHE_MODULES}/mod_{m}.so" for m in modules]
            + [
                f"ServerRoot {run}",
                f"DefaultRuntimeDir {run}",
                f"PidFile {run}/httpd.pid",
                f"ErrorLog {run}/error.log",
                f"TypesConfig {run}/mime.types",  # empty: the .htaccess gives the site's types
                f"Listen 127.0.0.1:{port}",
                "ServerName 127.0.0.1",
                "User nobody",
                "Group nogroup",
                f"DocumentRoot {root}",
                f'<Directory "{root}">',
                "    AllowOverride FileInfo Indexes",  # what the site's .htaccess asks for
                f"    {options}",
                "    Require all granted",
                "</Directory>",
            ]
        )
        + "\n"
    )
    output = (run / "output.log").open("wb")
    process = subprocess.Popen([binary, "-f", str(conf), "-DFOREGROUND"], stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/hdsgraph/"
    try:
        wait_for(base, process, run / "output.log")
        yield base
    finally:
        stop(process)
        output.close()


@pytest.fixture(scope="module")
def apache(root, tmp_path_factory):
    with apache_server(root, tmp_path_factory.mktemp("apache")) as base:
        yield base


@pytest.fixture(scope="module")
def apache_multiviews(root, tmp_path_factory):
    """Some servers turn MultiViews on for every folder: the rules must hold there too."""
    with apache_server(root, tmp_path_factory.mktemp("apache-mv"), "Options +MultiViews") as base:
        yield base


@pytest.fixture(scope="module")
def nginx(root, tmp_path_factory):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.skip("nginx is not installed (Debian nginx; .ci/run installs it)")
    run = tmp_path_factory.mktemp("nginx")
    port = free_port()
    snippet = (root / "hdsgraph" / "nginx.conf").read_text()
    http_part, server_part = snippet.split("# 2. In the server { } block", 1)
    server_part = server_part.replace("alias /var/www/hdsgraph/site/;", f"alias {root}/hdsgraph/;")
    server_part = server_part.split("\n", 1)[1]  # the rest of the marker line
    conf = run / "nginx.conf"
    conf.write_text(
        f"pid {run}/nginx.pid;\nerror_log {run}/error.log;\nuser nobody nogroup;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    client_body_temp_path {run}/body;\n    proxy_temp_path {run}/proxy;\n"
        f"    fastcgi_temp_path {run}/fastcgi;\n    uwsgi_temp_path {run}/uwsgi;\n    scgi_temp_path {run}/scgi;\n"
        f"    default_type application/octet-stream;\n{http_part}\n"
        f"    server {{\n        listen 127.0.0.1:{port};\n{server_part}\n    }}\n}}\n"
    )
    process = subprocess.Popen(
        [binary, "-p", str(run), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/hdsgraph/"
    try:
        wait_for(base, process, run / "error.log")
        yield base
    finally:
        stop(process)


@pytest.fixture(scope="module", params=["apache", "apache_multiviews", "nginx"])
def server(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("accept", list(ACCEPTS), ids=lambda a: a or "no Accept")
@pytest.mark.parametrize("kind", ["host", "certificate", "activity", "ontology"])
def test_each_accept_gets_the_right_file(server, root, resources, kind, accept):
    path = resources[kind]
    response = requests.get(server + path, headers={"Accept": accept} if accept else {}, allow_redirects=False)
    extension = ACCEPTS[accept]
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    assert response.headers["Content-Type"].split(";")[0].strip() == MEDIA[extension]
    assert response.content == (root / "hdsgraph" / (path + extension)).read_bytes()
    assert "Accept" in response.headers.get("Vary", "")
    assert response.headers.get("Access-Control-Allow-Origin") == "*"


def test_the_index_and_the_files_themselves(server, root):
    index = requests.get(server, headers={"Accept": BROWSER})
    assert index.status_code == 200 and index.content == (root / "hdsgraph" / "index.html").read_bytes()
    direct = requests.get(server + "activity/3.ttl", headers={"Accept": "text/html"})
    assert direct.headers["Content-Type"].split(";")[0] == "text/turtle"  # a file asked by name is that file
    missing = requests.get(server + "host/no-such-host", allow_redirects=False)
    assert missing.status_code == 404
