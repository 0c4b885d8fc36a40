"""Local stand-ins for the three qualification services: one real HTTP server on 127.0.0.1
(a free port) answering in the services' documented shapes.

- ``/company/search``: the API Recherche d'entreprises (``results``, ``siege``,
  ``complements``... as in its OpenAPI spec and the recorded answer in
  ../shared/reference/qualification/);
- ``/gleif/lei-records``: GLEIF's JSON:API records by SIREN (``filter[entity.registeredAs]``,
  several at once) and ``/gleif/lei-records/{LEI}/ultimate-parent`` (404 when none);
- ``/wikidata``: a SPARQL endpoint answering ``application/sparql-results+json`` for the
  SIRENs of the query's VALUES.

``World`` holds the fictitious companies; ``failures`` makes a service answer 429 (with
Retry-After), 500, or too late; ``requests`` records what was asked.
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


def unit(siren: str, name: str, nature: str, naf: str, *, finess: bool = False, pays: str | None = None) -> dict:
    """A result of ``GET /search`` with the fields of the documented schema that matter here."""
    return {
        "siren": siren,
        "nom_complet": name,
        "nom_raison_sociale": name,
        "sigle": None,
        "nombre_etablissements": 1,
        "nombre_etablissements_ouverts": 1,
        "siege": {
            "activite_principale": naf,
            "code_pays_etranger": pays,
            "libelle_pays_etranger": "ALLEMAGNE" if pays == "99109" else None,
            "est_siege": True,
            "etat_administratif": "A",
            "siret": siren + "00011",
            "liste_finess": ["750000001"] if finess else None,
        },
        "activite_principale": naf,
        "categorie_entreprise": "PME",
        "date_creation": "2010-01-01",
        "dirigeants": [],
        "etat_administratif": "A",
        "nature_juridique": nature,
        "section_activite_principale": "J",
        "matching_etablissements": [],
        "finances": None,
        "complements": {
            "est_finess": finess,
            "liste_finess_juridique": ["750000002"] if finess else None,
            "est_ess": False,
        },
    }


def lei_record(lei: str, name: str, country: str, siren: str | None = None) -> dict:
    """A GLEIF ``lei-records`` resource."""
    return {
        "type": "lei-records",
        "id": lei,
        "attributes": {
            "lei": lei,
            "entity": {
                "legalName": {"name": name, "language": "fr"},
                "legalAddress": {"country": country, "city": "Ville fictive"},
                "jurisdiction": "FR" if siren else country,
                "registeredAs": siren,
                "status": "ACTIVE",
            },
            "registration": {"status": "ISSUED"},
        },
    }


@dataclass
class World:
    units: dict[str, dict] = field(default_factory=dict)  # SIREN -> result
    searches: dict[str, list[str]] = field(default_factory=dict)  # name asked -> SIRENs found
    leis: dict[str, dict] = field(default_factory=dict)  # SIREN -> its LEI record
    parents: dict[str, dict] = field(default_factory=dict)  # LEI -> ultimate parent's record
    wikidata: dict[str, list[dict]] = field(default_factory=dict)  # SIREN -> binding rows


class StandIns:
    def __init__(self, world: World):
        self.world = world
        self.failures: dict[str, dict] = {}  # service -> {"status": 429|500|"slow", "times": n, "retry_after": "1"}
        self.requests: list[tuple[str, str, dict]] = []  # (service, path+query, headers)
        self.lock = threading.Lock()

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port}/{service}"

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict, bytes]:
        parts = urlsplit(handler.path)
        service = parts.path.strip("/").split("/")[0]
        with self.lock:
            self.requests.append((service, handler.path, dict(handler.headers)))
            failure = self.failures.get(service)
            if failure and failure.get("times", 1) > 0:
                failure["times"] = failure.get("times", 1) - 1
                if failure["status"] == "slow":
                    time.sleep(failure.get("seconds", 2.0))
                else:
                    headers = {"Retry-After": failure["retry_after"]} if "retry_after" in failure else {}
                    return failure["status"], headers, b'{"erreur": "stand-in failure"}'
        query = parse_qs(parts.query)
        if service == "company":
            return self._company(query)
        if service == "gleif":
            return self._gleif(parts.path, parts.query)
        if service == "wikidata":
            return self._wikidata(query)
        return 404, {}, b"{}"

    def _company(self, query):
        q = query.get("q", [""])[0]
        if re.fullmatch(r"\d{9}", q):
            sirens = [q] if q in self.world.units else []
        else:
            sirens = self.world.searches.get(q, [])
            if query.get("etat_administratif") != ["A"]:
                raise AssertionError("a name search asks for active units")
        per_page = int(query.get("per_page", ["10"])[0])
        results = [self.world.units[s] for s in sirens][:per_page]
        body = {"results": results, "total_results": len(results), "page": 1, "per_page": per_page, "total_pages": 1}
        return 200, {}, json.dumps(body).encode()

    def _gleif(self, path, raw_query):
        match = re.fullmatch(r"/gleif/lei-records/([^/]+)/ultimate-parent", path)
        if match:
            parent = self.world.parents.get(unquote(match.group(1)))
            if parent is None:
                return 404, {}, json.dumps({"errors": [{"status": "404", "title": "Not Found"}]}).encode()
            return 200, {}, json.dumps({"data": parent}).encode()
        query = parse_qs(raw_query)
        sirens = query.get("filter[entity.registeredAs]", [""])[0].split(",")
        data = [self.world.leis[s] for s in sirens if s in self.world.leis]
        return 200, {}, json.dumps({"meta": {"pagination": {"total": len(data)}}, "data": data}).encode()

    def _wikidata(self, query):
        text = query.get("query", [""])[0]
        values = re.search(r"VALUES \?siren \{([^}]*)\}", text)
        sirens = re.findall(r'"(\d{9})"', values.group(1)) if values else []
        rows = [row for s in sirens for row in self.world.wikidata.get(s, [])]
        head = {"vars": ["siren", "item", "top", "topLabel", "topSiren", "topLei", "iso2"]}
        return 200, {}, json.dumps({"head": head, "results": {"bindings": rows}}).encode()


def wikidata_row(siren: str, item: str, top: str, label: str, iso2: str | None, top_siren: str | None = None) -> dict:
    row = {
        "siren": {"type": "literal", "value": siren},
        "item": {"type": "uri", "value": f"http://www.wikidata.org/entity/{item}"},
        "top": {"type": "uri", "value": f"http://www.wikidata.org/entity/{top}"},
        "topLabel": {"type": "literal", "value": label, "xml:lang": "fr"},
    }
    if iso2:
        row["iso2"] = {"type": "literal", "value": iso2}
    if top_siren:
        row["topSiren"] = {"type": "literal", "value": top_siren}
    return row


@contextmanager
def serve(world: World):
    """Start the stand-ins on a free port; stop them afterwards."""
    standins = StandIns(world)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            status, headers, body = standins.answer(self)
            try:
                self.send_response(status)
                kind = "application/sparql-results+json" if self.path.startswith("/wikidata") else "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # a free port, chosen by the system
    server.daemon_threads = True
    standins.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standins
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
