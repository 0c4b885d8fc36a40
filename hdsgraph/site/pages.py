"""Site: a built graph -> a static Linked Data site, one page per resource.

Every document of the graph whose IRI starts with the data's base URI (or, when the data
has another base, with the vocabulary's ``https://w3id.org/hdsgraph/``) gets three files:
``{path}.html`` for people, ``{path}.ttl`` and ``{path}.jsonld`` for machines, holding the
same description. ``SitePaths`` is the one place that maps IRIs to site paths; every link
is relative, so the site works from any folder. ``.htaccess`` and ``nginx.conf`` make a
resource's IRI (without extension) answer Turtle, JSON-LD or HTML by the Accept header;
``w3id.htaccess`` holds the redirect rules of a w3id.org entry for the base URI.

The site is written whole and atomically, with a SHA256SUMS, like a build.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pyoxigraph as ox
from jinja2 import Environment

from hdsgraph.describe.manifest import build_base
from hdsgraph.errors import InputError
from hdsgraph.files import CHECKSUMS, refuse_inside, write_folder
from hdsgraph.pipeline.mapping import ontology_ntriples
from hdsgraph.rdf.namespaces import HDS, OWL, RDF, RDFS, SKOS, VOCAB_BASE
from hdsgraph.rdf.serialise import ntriples_bytes, to_jsonld, to_turtle
from hdsgraph.rdf.store import read_ntriples
from hdsgraph.rdf.terms import check_http
from hdsgraph.resources import template_environment
from hdsgraph.site.graph import Link, SiteGraph, document_of

TEMPLATES = Path(__file__).resolve().parent / "templates"

ONTOLOGY = VOCAB_BASE + "ontology"
VOCABULARY_FOLDER = "vocabulary/"  # where the vocabulary goes when the data has another base
SAFE_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/%-]+")
PAGE_KINDS = (  # rdf:type of a document's resource -> its template, first match wins
    (HDS + "Host", "host.html"),
    (HDS + "Certificate", "certificate.html"),
    (HDS + "RegistrySnapshot", "snapshot.html"),
    (SKOS + "Concept", "concept.html"),
)
FORMATS = (("ttl", "text/turtle", "Turtle"), ("jsonld", "application/ld+json", "JSON-LD"))


@dataclass(frozen=True)
class SitePaths:
    """IRI -> site path. ``roots`` pairs an IRI prefix with the site folder it maps to."""

    roots: tuple[tuple[str, str], ...]

    def local(self, iri: str) -> str | None:
        """The site path (without extension) of the document holding ``iri``, or None."""
        doc = document_of(iri)
        for prefix, folder in sorted(self.roots, key=lambda r: -len(r[0])):
            if doc.startswith(prefix):
                rest = folder + doc[len(prefix) :]
                if (
                    rest
                    and not rest.endswith("/")
                    and SAFE_PATH.fullmatch(rest)
                    and not {"", ".", ".."} & set(rest.split("/"))  # no absolute path, no way out of --out
                    and rest != "index"
                ):
                    return rest
                return None
        return None

    def href(self, iri: str, page: str) -> str | None:
        """A relative link from the site file ``page`` to the page of ``iri``."""
        local = self.local(iri)
        if local is None:
            return None
        fragment = iri.split("#", 1)[1] if "#" in iri else ""
        return relative(local + ".html", page) + (f"#{quote(fragment, safe='-._~')}" if fragment else "")


def relative(target: str, page: str) -> str:
    return quote(posixpath.relpath(target, posixpath.dirname(page) or "."), safe="/-._~")


def site_paths(base: str) -> SitePaths:
    roots = [(base, "")]
    if not VOCAB_BASE.startswith(base) and not base.startswith(VOCAB_BASE):
        roots.append((VOCAB_BASE, VOCABULARY_FOLDER))
    return SitePaths(tuple(roots))


def data_base(graph: SiteGraph, manifest_base: str | None = None) -> str:
    """The base URI the data was built with: the build manifest's (``build.json``), else
    read from the graph's host IRIs (a plain dump has no manifest)."""
    if manifest_base is not None:
        return manifest_base
    hosts = graph.typed(HDS + "Host")
    if not hosts:
        raise InputError("the graph has no host (no hds:Host): nothing to publish")
    return hosts[0].rsplit("host/", 1)[0]


@cache
def environment() -> Environment:
    env = template_environment(TEMPLATES, trim_blocks=True, lstrip_blocks=True)
    env.filters["script_json"] = script_json
    env.tests["http_iri"] = is_http_iri  # only http(s) IRIs become links: never javascript: or data:
    return env


def is_http_iri(value) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme.lower() in ("http", "https")


def script_json(data) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' that could end the element."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def organization_jsonld(host: dict) -> dict:
    """schema.org ``Organization`` for a host page, for search engines."""
    data = {
        "@context": {"@vocab": "https://schema.org/"},
        "@type": "Organization",
        "@id": host["iri"],
        "name": host["name"],
        "legalName": host["name"],
    }
    if host["siren"]:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "SIREN", "value": host["siren"]}
    if host["same_as"]:
        data["sameAs"] = host["same_as"]
    certifications = []
    for cert in host["certificates"]:
        item = {
            "@type": "Certification",
            "@id": cert["iri"],
            "name": f"HDS certificate: {cert['type'].label}" if cert["type"] else "HDS certificate",
            "about": [
                {"@type": "DefinedTerm", "@id": a.iri, "name": a.label, "termCode": a.notation}
                for a in cert["activities"]
            ],
        }
        if cert["body"]:
            item["issuedBy"] = {"@type": "Organization", "@id": cert["body"].iri, "name": cert["body"].label}
        if cert["issued"]:
            item["validFrom"] = cert["issued"]
        if cert["expires"]:
            item["expires"] = cert["expires"]
        certifications.append(item)
    if certifications:
        data["hasCertification"] = certifications
    return data


class SiteWriter:
    """Renders every file of the site into a dict of path -> bytes."""

    def __init__(self, graph: SiteGraph, base: str, base_url: str | None):
        self.graph, self.base, self.base_url = graph, base, base_url
        self.paths = site_paths(base)
        self.files: dict[str, bytes] = {}
        self.synthetic = graph.synthetic()
        self.ontology = SiteGraph(ntriples_bytes(ontology_ntriples()))

    def render(self, template: str, page: str, **context) -> None:
        paths = self.paths

        def rel(target) -> str | None:
            iri = target.iri if isinstance(target, Link) else target["iri"] if isinstance(target, dict) else target
            return paths.href(iri, page)

        context.setdefault("jsonld", None)
        context.setdefault("alternates", [])
        html = (
            environment()
            .get_template(template)
            .render(
                page=page,
                rel=rel,
                asset=lambda path: relative(path, page),
                synthetic=self.synthetic,
                ontology_href=paths.href(ONTOLOGY, page),
                dataset_title=self.graph.dataset_title(self.base),
                label=self.label,
                **context,
            )
        )
        self.files[page] = html.encode("utf-8")

    def label(self, iri: str) -> str:
        return self.graph.label(iri) if iri in self.graph.props else self.ontology.label(iri)

    def documents(self) -> list[str]:
        return sorted(doc for doc in self.graph.documents if self.paths.local(doc) is not None)

    def write_document(self, doc: str) -> None:
        local = self.paths.local(doc)
        nt = ntriples_bytes(sorted({str(t) for t in self.graph.documents[doc]}))
        description = to_jsonld(nt)
        self.files[local + ".ttl"] = to_turtle(nt)
        self.files[local + ".jsonld"] = description
        page = local + ".html"
        name = posixpath.basename(local)
        alternates = [
            {"type": media, "href": quote(f"{name}.{ext}", safe="-._~"), "label": label}
            for ext, media, label in FORMATS
        ]
        types = set(self.graph.iris(doc, RDF + "type"))
        common = {"iri": doc, "alternates": alternates}
        if doc == ONTOLOGY:
            self.render(
                "ontology.html",
                page,
                title="hdsgraph ontology",
                **common,
                **self.ontology_view(),
                jsonld=json.loads(description),
            )
            return
        template = next((t for cls, t in PAGE_KINDS if cls in types), "resource.html")
        embedded = json.loads(description)
        if template == "host.html":
            host = self.graph.host(doc)
            self.render(template, page, title=host["name"], host=host, jsonld=organization_jsonld(host), **common)
        elif template == "certificate.html":
            cert = self.graph.certificate(doc)
            self.render(
                template,
                page,
                title=f"Certificate of {cert['host'].label if cert['host'] else doc}",
                cert=cert,
                jsonld=embedded,
                **common,
            )
        elif template == "snapshot.html":
            self.render(
                template,
                page,
                title=self.graph.label(doc),
                snapshot=self.graph.link(doc),
                date=self.graph.text(doc, "http://purl.org/dc/terms/date"),
                source=self.graph.text(doc, "http://purl.org/dc/terms/source"),
                sha256=self.graph.text(doc, HDS + "sha256"),
                hosts=self.graph.hosts_linked_to(doc),
                jsonld=embedded,
                **common,
            )
        elif template == "concept.html":
            concept = self.graph.concept(doc)
            kind = next((self.label(t) for t in sorted(types) if t.startswith(HDS)), "concept")
            self.render(
                template, page, title=self.graph.label(doc), concept=concept, kind=kind, jsonld=embedded, **common
            )
        else:
            rows = [
                (predicate, sorted(objects, key=str)) for predicate, objects in sorted(self.graph.props[doc].items())
            ]
            self.render(template, page, title=self.graph.label(doc), rows=rows, jsonld=embedded, **common)

    def ontology_view(self) -> dict:
        g = self.ontology

        def terms(*classes: str) -> list[dict]:
            found = sorted({s for cls in classes for s in g.typed(cls) if s.startswith(ONTOLOGY + "#")})
            return [
                {
                    "iri": s,
                    "id": s.split("#", 1)[1],
                    "labels": g.labels(s),
                    "definition": g.labels(s, SKOS + "definition"),
                    "relations": [
                        (name, g.iris(s, p))
                        for name, p in (
                            ("subclass of", RDFS + "subClassOf"),
                            ("domain", RDFS + "domain"),
                            ("range", RDFS + "range"),
                        )
                        if g.iris(s, p)
                    ],
                }
                for s in found
            ]

        # The concepts come from the data: each build adds its certification bodies.
        schemes = [
            {
                "iri": s,
                "id": s.split("#", 1)[1],
                "labels": g.labels(s),
                "definition": g.labels(s, SKOS + "definition"),
                "concepts": self.graph.schemes().get(s) or concepts,
            }
            for s, concepts in sorted(g.schemes().items())
        ]
        header = ONTOLOGY
        return {
            "classes": terms(OWL + "Class"),
            "properties": terms(OWL + "ObjectProperty", OWL + "DatatypeProperty"),
            "schemes": schemes,
            "ontology_labels": g.labels(header),
            "ontology_description": g.labels(header, "http://purl.org/dc/terms/description"),
            "version": g.text(header, OWL + "versionInfo"),
        }

    def write_index(self) -> None:
        g = self.graph
        scheme = {
            name: g.schemes().get(HDS + name, [])
            for name in ("positionings", "activities", "certificateTypes", "certificationBodies")
        }
        counted = {name: [(c, len(g.hosts_linked_to(c.iri))) for c in concepts] for name, concepts in scheme.items()}
        for name in ("positionings", "certificationBodies"):  # largest first; activities keep their numbering
            counted[name].sort(key=lambda pair: (-pair[1], pair[0].label))
        hosts = g.hosts()
        unpositioned = [h for h in hosts if not g.iris(h.iri, HDS + "positioning")]
        self.render(
            "index.html",
            "index.html",
            title=g.dataset_title(self.base),
            hosts=hosts,
            counted=counted,
            unpositioned=unpositioned,
            nationalities=g.by_nationality(),
            snapshots=g.snapshots(),
            certificates=len(g.typed(HDS + "Certificate")),
        )

    def write_server_config(self) -> None:
        env = environment()
        folder = urlsplit(self.base_url or self.base).path or "/"
        self.files["style.css"] = (TEMPLATES / "style.css").read_bytes()
        self.files[".htaccess"] = env.get_template("htaccess").render().encode("utf-8")
        self.files["nginx.conf"] = env.get_template("nginx.conf").render(folder=folder).encode("utf-8")
        if self.base_url:
            w3id = urlsplit(self.base).path
            self.files["w3id.htaccess"] = (
                env.get_template("w3id.htaccess")
                .render(base=self.base, w3id_path=w3id, site=self.base_url, downloads=urljoin(self.base_url, "../"))
                .encode("utf-8")
            )


def render_site(nt: bytes, base_url: str | None = None, manifest_base: str | None = None) -> dict[str, bytes]:
    """Every file of the site (path -> bytes) for a graph given as N-Triples."""
    if base_url is not None:
        wrong = "{what} {value!r} must be an absolute http(s) {noun} ending with {endings}"
        check_http(base_url, "base URL", "URL", ("/",), well_formed=False, invalid=wrong, unended=wrong)
    _refuse_blank_nodes(nt)
    graph = SiteGraph(nt)
    writer = SiteWriter(graph, data_base(graph, manifest_base), base_url)
    for doc in writer.documents():
        writer.write_document(doc)
    if ONTOLOGY not in graph.documents and writer.paths.local(ONTOLOGY):
        raise InputError("the graph does not carry the hdsgraph ontology; build it with 'hdsgraph build'")
    writer.write_index()
    writer.write_server_config()
    return writer.files


def _refuse_blank_nodes(nt: bytes) -> None:
    """Every page is named by an IRI: a blank node has none (and hdsgraph dumps hold none)."""
    if b"_:" not in nt:
        return
    for quad in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
        triple = quad.triple
        if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
            raise InputError(
                f"the site needs IRIs, but the graph holds a blank node (first in: {triple}); hdsgraph dumps have none"
            )


def write_site(data: Path, out: Path, base_url: str | None = None) -> dict[str, bytes]:
    """Render the site of a build folder or dump ``data`` into ``out``, atomically."""
    out = Path(out)
    refuse_inside(out, [data])
    if out.is_dir() and any(out.iterdir()) and not (out / CHECKSUMS).is_file():
        raise InputError(f"{out}: refusing to replace a folder that is not an hdsgraph site; choose another --out")
    files = render_site(read_ntriples(Path(data)), base_url, build_base(Path(data)))
    write_folder(out, files)
    return files
