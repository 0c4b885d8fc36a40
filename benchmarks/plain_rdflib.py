"""The pipeline a user would write without hdsgraph: csv + rdflib + pySHACL.

Reads a canonical registry CSV with the csv module, adds every triple to an rdflib
Graph one ``Graph.add`` at a time (the same IRIs and triples as ``hdsgraph build``),
validates it with pySHACL on the project's shapes (plus the whole-graph rule queries
of ``shapes/*-violation.rq``, run with rdflib SPARQL, so that the checks are the same),
answers the study queries with rdflib SPARQL and writes N-Triples, Turtle and JSON-LD
with rdflib's serialisers. It does the work hdsgraph does on a clean registry, and
nothing more: no quarantine, no qualification table, no atomic output folder.

Usage: python benchmarks/plain_rdflib.py REGISTRY.csv --out DIR [--times FILE.json]

Writes DIR/hds.nt, hds.ttl, hds.jsonld and answers.json, and the time of each stage
(seconds; None for a stage stopped at its timeout) as JSON to --times (default
DIR/times.json).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import re
import signal
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import rdflib
from pyshacl import validate
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "hdsgraph" / "data"
BASE = "https://w3id.org/hdsgraph/"
HDS = rdflib.Namespace(BASE + "ontology#")
ROV = rdflib.Namespace("http://www.w3.org/ns/regorg#")
ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
ANNUAIRE = "https://annuaire-entreprises.data.gouv.fr/entreprise/"


# ---------------------------------------------------------------- the helpers a user writes


def legal_forms() -> set[str]:
    lines = (DATA / "legal-forms.txt").read_text(encoding="utf-8").splitlines()
    return {w.strip().casefold() for w in lines if w.strip() and not w.startswith("#")}


LEGAL_FORMS = legal_forms()


def name_key(name: str) -> str:
    """Case, accents, punctuation and legal forms do not count (as hdsgraph does)."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", folded)
    words = re.findall(r"[a-z0-9]+", folded)
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def activities(cell: str) -> tuple[int, ...]:
    numbers = set()
    for token in re.split(r"[;,]", cell):
        token = token.strip()
        if token:
            first, _, last = token.replace("–", "-").partition("-")
            numbers.update(range(int(first), int(last or first) + 1))
    return tuple(sorted(numbers))


def most_common(values) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)


def countries() -> dict[str, dict]:
    with open(DATA / "countries.csv", encoding="utf-8", newline="") as handle:
        return {row["alpha2"]: row for row in csv.DictReader(line for line in handle if not line.startswith("#"))}


def host_iri(host_key: str) -> str:
    if host_key.startswith("name:"):
        local = host_key[5:].replace(" ", "-")
        return f"{BASE}host/{'name-' + local if local.isdigit() else local}"
    return f"{BASE}host/{host_key}"


# ---------------------------------------------------------------- stages


TRUE = ("true", "1", "yes", "oui", "vrai")


@dataclass
class Vocabulary:
    activity: dict[int, str]  # number -> IRI
    types: dict[str, tuple[str, set[int]]]  # code -> (IRI, the activities it covers)
    positioning: dict[str, str]  # code -> IRI


def vocabulary(ontology: rdflib.Graph) -> Vocabulary:
    """The activity, certificate-type and positioning IRIs, from the ontology's notations."""

    def notations(cls):
        query = "SELECT ?c ?n WHERE { ?c a ?cls ; skos:notation ?n }"
        return {str(n): str(c) for c, n in ontology.query(query, initNs={"skos": SKOS}, initBindings={"cls": cls})}

    types = {
        code: (iri, {int(n) for n in ontology.objects(URIRef(iri), HDS.typeActivity / SKOS.notation)})
        for code, iri in sorted(notations(HDS.CertificateType).items())
    }
    activity = {int(n): iri for n, iri in notations(HDS.Activity).items()}
    return Vocabulary(activity, types, notations(HDS.Positioning))


@dataclass
class Model:
    """The registry as the graph's resources, every IRI made: what the mapping writes."""

    hosts: list[dict] = field(default_factory=list)
    bodies: dict[str, str] = field(default_factory=dict)  # IRI -> name
    certificates: list[dict] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)
    dataset: list[tuple[str, str, str]] = field(default_factory=list)  # (property, language, text)


def read_registry(registry: Path, vocab: Vocabulary) -> Model:
    """The canonical CSV -> hosts, bodies, certificates and snapshots, as hdsgraph makes them."""
    data = registry.read_bytes()
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    default_snapshot = registry.stem if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", registry.stem) else "undated"
    for row in rows:
        row["host"] = " ".join(row["host"].split())
        row["name_key"] = name_key(row["host"])
        row["siren"] = re.sub(r"[\s.]", "", row.get("siren", ""))
        row["snapshot"] = row.get("snapshot", "").strip() or default_snapshot
        row["certification_body"] = " ".join(row.get("certification_body", "").split())
        row["body_key"] = name_key(row["certification_body"])
        row["activity_numbers"] = activities(row["activities"])
    sirens_by_name = defaultdict(set)
    for row in rows:
        if row["siren"]:
            sirens_by_name[row["name_key"]].add(row["siren"])
    for row in rows:
        sirens = sirens_by_name.get(row["name_key"], set())
        row["host_key"] = row["siren"] or (next(iter(sirens)) if len(sirens) == 1 else "name:" + row["name_key"])
    seen, kept = set(), []
    for row in rows:  # the same certificate listed twice is one certificate
        identity = (
            row["snapshot"],
            row["host_key"],
            row["activity_numbers"],
            row["body_key"],
            row["issued"],
            row["expires"],
        )
        if identity not in seen:
            seen.add(identity)
            kept.append(row)

    model = Model()
    table = countries()
    by_host = defaultdict(list)
    for row in kept:
        by_host[row["host_key"]].append(row)
    for host_key, host_rows in by_host.items():
        latest = max(r["snapshot"] for r in host_rows)
        nationality = most_common(r.get("nationality", "").strip().upper() for r in host_rows)
        positioning = most_common(r.get("positioning", "").strip() for r in host_rows)
        model.hosts.append(
            {
                "iri": host_iri(host_key),
                "name": most_common(r["host"] for r in host_rows if r["snapshot"] == latest),
                "siren": most_common(r["siren"] for r in host_rows),
                "positioning": vocab.positioning[positioning] if positioning else None,
                "country": table[nationality] if nationality else None,
                "synthetic": any(r.get("synthetic", "").strip().lower() in TRUE for r in host_rows),
            }
        )

    names_by_slug = defaultdict(list)
    for row in kept:
        if row["certification_body"]:
            names_by_slug[row["body_key"].replace(" ", "-")].append(row["certification_body"])
    body_iri = {}
    for slug, names in names_by_slug.items():
        name = most_common(names)
        body_iri[slug] = f"{BASE}certification-body/{name_key(name).replace(' ', '-')}"
        model.bodies[body_iri[slug]] = name

    for row in kept:
        h = host_iri(row["host_key"])
        for code, (type_iri, allowed) in vocab.types.items():
            covered = [a for a in row["activity_numbers"] if a in allowed]
            if not covered:
                continue
            identity = "|".join(
                [row["host_key"], code, ",".join(map(str, covered)), row["body_key"], row["issued"], row["expires"]]
            )
            digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]
            model.certificates.append(
                {
                    "iri": f"{h}/certificate/{code.split('_')[0]}-{row['issued'] or 'undated'}-{digest}",
                    "host": h,
                    "type": type_iri,
                    "activities": [vocab.activity[a] for a in covered],
                    "body": body_iri[row["body_key"].replace(" ", "-")] if row["certification_body"] else None,
                    "issued": row["issued"],
                    "expires": row["expires"],
                    "snapshot": f"{BASE}snapshot/{row['snapshot']}",
                }
            )

    snapshots = sorted({row["snapshot"] for row in kept})
    checksum = hashlib.sha256(data).hexdigest()
    for snapshot in snapshots:
        model.snapshots.append(
            {"iri": f"{BASE}snapshot/{snapshot}", "id": snapshot, "source": registry.name, "sha256": checksum}
        )
    model.dataset = _dataset_texts(by_host, snapshots)
    return model


def snapshot_counts(model: Model) -> tuple[list[tuple[str, str, int]], list[tuple[str, str]]]:
    """The per-snapshot counts hdsgraph states on each snapshot, as (snapshot IRI, property
    local name, count): hosts listed, on all six activities, on one alone, known French; and
    new, lapsed and continuing since the snapshot before; with the (snapshot, previous) pairs."""
    french = {h["iri"] for h in model.hosts if h["country"] and h["country"]["alpha2"] == "FR"}
    covered: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for certificate in model.certificates:
        covered[certificate["snapshot"]][certificate["host"]].update(certificate["activities"])
    counts: list[tuple[str, str, int]] = []
    pairs: list[tuple[str, str]] = []
    previous: str | None = None
    for snapshot in sorted(model.snapshots, key=lambda s: s["id"]):
        iri, listed = snapshot["iri"], covered.get(snapshot["iri"], {})
        mine = {
            "hostCount": len(listed),
            "allActivitiesHostCount": sum(len(a) == 6 for a in listed.values()),
            "singleActivityHostCount": sum(len(a) == 1 for a in listed.values()),
            "frenchHostCount": len(listed.keys() & french),
        }
        if previous is not None:
            before = covered.get(previous, {})
            pairs.append((iri, previous))
            mine["newHostCount"] = len(listed.keys() - before.keys())
            mine["lapsedHostCount"] = len(before.keys() - listed.keys())
            mine["continuingHostCount"] = len(listed.keys() & before.keys())
        counts += [(iri, name, value) for name, value in mine.items()]
        previous = iri
    return counts, pairs


def _add_snapshot_counts(model: Model, add) -> None:
    counts, pairs = snapshot_counts(model)
    for snapshot, previous in pairs:
        add((URIRef(snapshot), HDS.previousSnapshot, URIRef(previous)))
    for snapshot, name, value in counts:
        add((URIRef(snapshot), HDS[name], Literal(str(value), datatype=XSD.integer)))


def _dataset_texts(by_host: dict, snapshots: list[str]) -> list[tuple[str, str, str]]:
    """The dataset's title and description, from hdsgraph's catalogue skeleton (the one
    source of the dataset's texts), by its rules: with synthetic hosts, each title becomes
    its demonstration title and each description gets the demonstration note."""
    skeleton_file = DATA / "catalog-skeleton.ttl"
    if not skeleton_file.exists():
        return []
    skeleton = rdflib.Graph().parse(skeleton_file, format="turtle", publicID=BASE)
    dataset = URIRef(BASE + "dataset")
    hdscat = rdflib.Namespace(BASE + "catalog-skeleton#")

    def texts(predicate) -> dict[str, str]:
        return {o.language or "": str(o) for o in skeleton.objects(dataset, predicate)}

    def fill(template: str, **values) -> str:
        return re.sub(r"\{(title|hosts|synthetic|fictitious)\}", lambda m: str(values[m.group(1)]), template)

    hosts = len(by_host)
    synthetic = sum(any(r.get("synthetic", "").strip().lower() in TRUE for r in rows) for rows in by_host.values())
    titles, descriptions = texts(DCTERMS.title), texts(DCTERMS.description)
    if synthetic:
        demo, note = texts(hdscat.demonstrationTitle), texts(hdscat.demonstrationNote)
        phrase = texts(hdscat.allFictitious if synthetic == hosts else hdscat.someFictitious)
        titles = {lang: fill(demo[lang], title=text) for lang, text in titles.items()}
        descriptions = {
            lang: text + " " + fill(note[lang], fictitious=fill(phrase[lang], hosts=hosts, synthetic=synthetic))
            for lang, text in descriptions.items()
        }
    return [
        (field, lang, text)
        for field, chosen in (("title", titles), ("description", descriptions))
        for lang, text in sorted(chosen.items())
    ]


def read_and_map(registry: Path) -> rdflib.Graph:
    """The ontology, then every triple of the data, one Graph.add at a time."""
    graph = rdflib.Graph()
    graph.parse(ROOT / "ontology" / "hds.ttl", format="turtle")
    model = read_registry(registry, vocabulary(graph))
    add = graph.add
    for host in model.hosts:
        h = URIRef(host["iri"])
        add((h, RDF.type, HDS.Host))
        add((h, RDF.type, ROV.RegisteredOrganization))
        add((h, ROV.legalName, Literal(host["name"])))
        add((h, RDFS.label, Literal(host["name"])))
        if host["siren"]:
            identifier = URIRef(host["iri"] + "#siren")
            add((h, HDS.siren, Literal(host["siren"])))
            add((h, ADMS.identifier, identifier))
            add((identifier, RDF.type, ADMS.Identifier))
            add((identifier, SKOS.notation, Literal(host["siren"])))
            add((identifier, ADMS.schemaAgency, Literal("INSEE")))
            add((h, RDFS.seeAlso, URIRef(ANNUAIRE + host["siren"])))  # its page in the Annuaire des Entreprises
        if host["positioning"]:
            add((h, HDS.positioning, URIRef(host["positioning"])))
            add((h, HDS.positioningSource, Literal("registry")))  # the registry's own column
        if host["country"]:
            c = URIRef(COUNTRY + host["country"]["alpha3"])
            add((h, HDS.nationality, c))
            add((h, HDS.nationalitySource, Literal("registry")))
            add((c, SKOS.notation, Literal(host["country"]["alpha2"])))
            add((c, RDFS.label, Literal(host["country"]["name"], lang="en")))
        if host["synthetic"]:
            add((h, HDS.synthetic, Literal("true", datatype=XSD.boolean)))
    for body, name in model.bodies.items():
        b = URIRef(body)
        add((b, RDF.type, HDS.CertificationBody))
        add((b, RDF.type, SKOS.Concept))
        add((b, SKOS.inScheme, HDS.certificationBodies))
        add((b, SKOS.prefLabel, Literal(name)))
    for certificate in model.certificates:
        c, h, s = URIRef(certificate["iri"]), URIRef(certificate["host"]), URIRef(certificate["snapshot"])
        add((h, HDS.holds, c))
        add((h, HDS.listedIn, s))
        add((c, RDF.type, HDS.Certificate))
        add((c, HDS.certificateType, URIRef(certificate["type"])))
        add((c, HDS.listedIn, s))
        for activity in certificate["activities"]:
            add((c, HDS.activity, URIRef(activity)))
        if certificate["body"]:
            add((c, HDS.certificationBody, URIRef(certificate["body"])))
        if certificate["issued"]:
            add((c, HDS.issueDate, Literal(certificate["issued"], datatype=XSD.date)))
        if certificate["expires"]:
            add((c, HDS.expiryDate, Literal(certificate["expires"], datatype=XSD.date)))
    for snapshot in model.snapshots:
        s, snapshot_id = URIRef(snapshot["iri"]), snapshot["id"]
        add((s, RDF.type, HDS.RegistrySnapshot))
        add((s, RDF.type, PROV.Entity))
        add((s, HDS.snapshotId, Literal(snapshot_id)))
        add((s, RDFS.label, Literal("Registry snapshot " + snapshot_id, lang="en")))
        if snapshot_id != "undated":
            kind = XSD.date if len(snapshot_id) == 10 else XSD.gYearMonth
            add((s, DCTERMS.date, Literal(snapshot_id, datatype=kind)))
            day = datetime.date.fromisoformat(snapshot_id if len(snapshot_id) == 10 else snapshot_id + "-01")
            add((s, HDS.snapshotDay, Literal(day.isoformat(), datatype=XSD.date)))
            horizon = day + datetime.timedelta(days=180)  # hds:expiryHorizon, as the ontology defines it
            add((s, HDS.expiryHorizon, Literal(horizon.isoformat(), datatype=XSD.date)))
        add((s, DCTERMS.source, Literal(snapshot["source"])))
        add((s, HDS.sha256, Literal(snapshot["sha256"])))
    _add_snapshot_counts(model, add)
    if model.dataset:
        d = URIRef(BASE + "dataset")
        add((d, RDF.type, DCAT.Dataset))
        add((d, RDF.type, VOID.Dataset))
        for prop, lang, text in model.dataset:
            add((d, DCTERMS[prop], Literal(text, lang=lang or None)))
        for snapshot in model.snapshots:
            add((d, PROV.wasDerivedFrom, URIRef(snapshot["iri"])))
    return graph


def shacl_validate(graph: rdflib.Graph) -> list[str]:
    """pySHACL on the shapes, then the whole-graph rule queries: the violations found."""
    shapes = rdflib.Graph().parse(ROOT / "shapes" / "hds.ttl", format="turtle")
    conforms, report, text = validate(graph, shacl_graph=shapes, inference="none", advanced=False)
    violations = [] if conforms else [text]
    for rule in sorted((ROOT / "shapes").glob("*-violation.rq")):
        violations += [f"{rule.stem}: {row.focus}" for row in graph.query(rule.read_text(encoding="utf-8"))]
    return violations


def _plain(term):
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype in (XSD.decimal, XSD.double, XSD.float):
            return float(Decimal(str(term)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))
        if term.datatype == XSD.integer:
            return int(term)
    return str(term)


class StageTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise StageTimeout()


def within(seconds: float, function, *arguments):
    """``function(*arguments)``, or StageTimeout after ``seconds`` (rdflib is pure Python,
    so the alarm stops it wherever it is)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*arguments)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_queries(graph: rdflib.Graph, timeout: float) -> tuple[dict, dict]:
    """Every study query with rdflib SPARQL: (rows by query, seconds by query).

    rdflib re-evaluates some of the study queries' subqueries once per row, so a query
    may run for hours: past ``timeout`` seconds it is stopped, and its time is recorded as
    None (the answer is missing)."""
    answers, times = {}, {}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        start = time.perf_counter()
        try:
            text = path.read_text(encoding="utf-8")
            result = within(timeout, lambda text=text: list(graph.query(text)))
        except StageTimeout:
            times[path.stem] = None
            continue
        if result:
            names = [str(v) for v in result[0].labels]
            answers[path.stem] = [{n: _plain(row[n]) for n in names} for row in result]
        else:
            answers[path.stem] = []
        times[path.stem] = time.perf_counter() - start
    return answers, times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registry", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--times", type=Path, default=None)
    parser.add_argument(
        "--query-timeout", type=float, default=60.0, help="Stop a study query after this many seconds (default: 60)."
    )
    parser.add_argument(
        "--serialise-timeout",
        type=float,
        default=900.0,
        help="Stop writing one format after this many seconds (default: 900).",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    times: dict[str, float | None] = {}
    summary = {"stages": times, "queries": {}, "triples": None, "violations": None, "cut": []}
    times_file = args.times or args.out / "times.json"

    def save():  # after each stage, so that a run stopped from outside still tells how far it got
        times_file.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    def timed(stage, function, *arguments, limit=None):
        start = time.perf_counter()
        try:
            result = within(limit, function, *arguments) if limit else function(*arguments)
            times[stage] = time.perf_counter() - start
        except StageTimeout:
            result, times[stage] = None, None
            summary["cut"].append(stage)
        save()
        return result

    graph = timed("map", read_and_map, args.registry)
    summary["triples"] = len(graph)
    violations = timed("validate", shacl_validate, graph)
    summary["violations"] = len(violations)
    answers, summary["queries"] = timed("query", run_queries, graph, args.query_timeout)
    context = json.loads((DATA / "context.jsonld").read_text(encoding="utf-8"))
    limit = args.serialise_timeout
    timed("serialise nt", graph.serialize, args.out / "hds.nt", "nt", limit=limit)
    timed("serialise ttl", graph.serialize, args.out / "hds.ttl", "turtle", limit=limit)
    timed(
        "serialise jsonld",
        lambda: graph.serialize(args.out / "hds.jsonld", format="json-ld", context=context["@context"]),
        limit=limit,
    )
    (args.out / "answers.json").write_text(json.dumps(answers, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    save()
    if violations:
        print(f"{len(violations)} violation(s); first: {violations[0][:500]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
