"""Validate: graph -> SHACL validation report.

pySHACL checks the core-constraint shapes of ``shapes/hds.ttl``; the whole-graph
``shapes/*-violation.rq`` queries check the rules core SHACL cannot say, once for the
whole graph rather than once per node. Both end up in one ``sh:ValidationReport`` whose
blank-node labels are derived from each result's content, so the report is byte-stable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import SH

from hdsgraph.mapping import iri, literal
from hdsgraph.resources import asset_dir
from hdsgraph.vocab import PREFIXES, RDF, SH as SH_NS

SHAPES_FILE = "hds.ttl"
SHAPES_NS = "https://w3id.org/hdsgraph/shapes#"
VIOLATION_QUERY_SHAPE = SHAPES_NS + "query-"


@dataclass(frozen=True, order=True)
class Violation:
    focus: str
    message: str
    path: str = ""
    value: str = ""
    source: str = ""  # the shape, or the violation query, that found it

    def line(self) -> str:
        where = f" ({self.path})" if self.path else ""
        value = f" [value: {self.value}]" if self.value else ""
        return f"{self.focus}{where}: {self.message}{value}"


@dataclass
class ValidationResult:
    conforms: bool
    violations: list[Violation]
    report: bytes  # Turtle

    def summary(self, limit: int = 20) -> str:
        if self.conforms:
            return "Validation: the graph conforms to the shapes"
        lines = [f"Validation: {len(self.violations)} violation{'s' if len(self.violations) != 1 else ''}"]
        lines += [f"  - {v.line()}" for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more (see the validation report)")
        return "\n".join(lines)


@lru_cache(maxsize=None)
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(asset_dir("shapes") / SHAPES_FILE, format="turtle")


@lru_cache(maxsize=None)
def shape_predicates() -> frozenset[str]:
    """The predicates the shapes can look at: their paths, and the typing that targets and
    sh:class checks read. pySHACL is given only triples with these predicates; no other
    triple can change its verdict, and the rest (labels, identifiers...) costs time."""
    shapes = shapes_graph()
    paths = {str(p) for p in shapes.objects(None, SH.path) if isinstance(p, rdflib.URIRef)}
    paths |= {str(p) for p in shapes.objects(None, SH.inversePath) if isinstance(p, rdflib.URIRef)}
    return frozenset(paths | {RDF + "type", PREFIXES["rdfs"] + "subClassOf"})


def violation_queries() -> dict[str, str]:
    """The whole-graph rules: name -> SPARQL text."""
    folder = asset_dir("shapes")
    return {p.name[: -len(".rq")]: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*-violation.rq"))}


def _term_text(node) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.BNode):
        return "(blank node)"
    if isinstance(node, rdflib.Literal):
        return str(node)
    return str(node)


def _path_text(graph: rdflib.Graph, node) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.BNode):
        inverse = graph.value(node, SH.inversePath)
        if inverse is not None:
            return f"^{inverse}"
        return "(complex path)"
    return str(node)


def _shacl_violations(data: rdflib.Graph) -> list[Violation]:
    conforms, report, _ = shacl_validate(
        data, shacl_graph=shapes_graph(), inference="none", advanced=False
    )
    if conforms:
        return []
    violations = []
    for result in report.objects(None, SH.result):
        shape = report.value(result, SH.sourceShape)
        violations.append(
            Violation(
                focus=_term_text(report.value(result, SH.focusNode)),
                message=_term_text(report.value(result, SH.resultMessage)),
                path=_path_text(report, report.value(result, SH.resultPath)),
                value=_term_text(report.value(result, SH.value)),
                source=str(shape) if isinstance(shape, rdflib.URIRef) else "",
            )
        )
    return violations


def _query_violations(store: ox.Store) -> list[Violation]:
    violations = []
    for name, text in violation_queries().items():
        for row in store.query(text):
            violations.append(
                Violation(
                    focus=row["focus"].value if row["focus"] is not None else "",
                    message=row["message"].value if row["message"] is not None else name,
                    value=row["value"].value if row["value"] is not None else "",
                    source=VIOLATION_QUERY_SHAPE + name,
                )
            )
    return violations


def validate(nt: bytes, store: ox.Store) -> ValidationResult:
    """Validate one graph, given as N-Triples and as an Oxigraph store holding them."""
    from hdsgraph.store import load_rdflib

    data = load_rdflib(nt, shape_predicates())
    violations = sorted(set(_shacl_violations(data) + _query_violations(store)))
    return ValidationResult(not violations, violations, report_turtle(violations))


def report_turtle(violations: list[Violation]) -> bytes:
    """A deterministic sh:ValidationReport in Turtle."""
    sh = SH_NS
    report = "_:report"
    lines = {
        f"{report} <{RDF}type> <{sh}ValidationReport>",
        f"{report} <{sh}conforms> {literal('false' if violations else 'true', PREFIXES['xsd'] + 'boolean')}",
    }
    for v in violations:
        node = "_:r" + hashlib.sha256(repr(v).encode("utf-8")).hexdigest()[:16]
        lines.add(f"{report} <{sh}result> {node}")
        lines.add(f"{node} <{RDF}type> <{sh}ValidationResult>")
        lines.add(f"{node} <{sh}resultSeverity> <{sh}Violation>")
        lines.add(f"{node} <{sh}focusNode> {_node(v.focus)}")
        lines.add(f"{node} <{sh}resultMessage> {literal(v.message)}")
        if v.path and not v.path.startswith(("^", "(")):
            lines.add(f"{node} <{sh}resultPath> {iri(v.path)}")
        if v.value:
            lines.add(f"{node} <{sh}value> {literal(v.value)}")
        if v.source:
            lines.add(f"{node} <{sh}sourceShape> {iri(v.source)}")
    nt = "".join(f"{line} .\n" for line in sorted(lines)).encode("utf-8")
    prefixes = {"sh": sh, "xsd": PREFIXES["xsd"], "shapes": SHAPES_NS}
    return ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def _node(text: str) -> str:
    if text.startswith(("http://", "https://", "urn:")):
        return iri(text)
    return literal(text)



def validate_file(path: Path) -> ValidationResult:
    """Validate a dump or a build folder. The ontology is added first, so that a graph
    that does not carry the vocabulary (activities, types, positionings) still checks."""
    from hdsgraph.mapping import ontology_ntriples
    from hdsgraph.serialise import ntriples_bytes
    from hdsgraph.store import load_store, read_ntriples

    nt = read_ntriples(path) + ntriples_bytes(ontology_ntriples())
    return validate(nt, load_store(nt, path))
