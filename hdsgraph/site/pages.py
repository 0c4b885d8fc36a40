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

import datetime as dt
import json
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import cast
from urllib.parse import quote, urljoin, urlsplit

import pyoxigraph as ox
import yaml
from jinja2 import Environment

from hdsgraph.describe.manifest import build_base, manifest_path
from hdsgraph.errors import InputError
from hdsgraph.files import CHECKSUMS, refuse_inside, write_folder
from hdsgraph.pipeline.mapping import ontology_ntriples
from hdsgraph.rdf.namespaces import DCAT, DCTERMS, FOAF, HDS, OWL, RDF, RDFS, SKOS, SPDX, VCARD, VOCAB_BASE
from hdsgraph.rdf.serialise import ntriples_bytes, to_jsonld, to_turtle
from hdsgraph.rdf.store import read_ntriples
from hdsgraph.rdf.terms import check_http
from hdsgraph.resources import data_file, template_environment
from hdsgraph.site.graph import Link, SiteGraph, document_of
from hdsgraph.site.negotiation import QUALITIES

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
FEED = "changes.atom"
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

    def href(self, iri: str, page: str, prefix: str = "") -> str | None:
        """A relative link from the site file ``page`` to the page of ``iri`` (in the
        language folder ``prefix``: "" for French, "en/" for English)."""
        local = self.local(iri)
        if local is None:
            return None
        fragment = iri.split("#", 1)[1] if "#" in iri else ""
        return relative(prefix + local + ".html", page) + (f"#{quote(fragment, safe='-._~')}" if fragment else "")


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


LANGUAGES = ("fr", "en")  # French first: its pages keep the resources' paths
LANGUAGE_FOLDER = {"fr": "", "en": "en/"}
SOON_DAYS = 180  # a certificate "expiring soon" expires within this many days of the latest snapshot
DIRECTORY = "directory/"
DUMP_FILES = ("hds.ttl", "hds.jsonld", "hds.nt")
CATALOGUE_FILES = ("catalog.ttl", "catalog.jsonld", "catalog-datagouv.ttl")


@cache
def site_texts() -> dict:
    """The site's fixed texts in French and English (``data/site-texts.yaml``)."""
    return yaml.safe_load(data_file("site-texts.yaml").read_text(encoding="utf-8"))


def text(key: str, lang: str, **values) -> str:
    template = site_texts()["texts"][key][lang]
    return template.format(**values) if values else template


def human_date(value: str, lang: str) -> str:
    """``2026-07-21`` as ``21 juillet 2026`` / ``21 July 2026``; ``2022-04`` as ``avril 2022``."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return value
    month = site_texts()["months"][lang][int(match.group(2)) - 1]
    if match.group(3) is None:
        return f"{month} {match.group(1)}"
    day = int(match.group(3))
    return f"{'1er' if lang == 'fr' and day == 1 else day} {month} {match.group(1)}"


def http_only(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL, else None: the site links to nothing else."""
    return url if url and urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc else None


def certificate_status(expires: str, day: str) -> str:
    """ "expired", "expiring" or "valid" as of ``day`` (the latest snapshot's), or "" when unknown."""
    if not expires or not day:
        return ""
    try:
        end, start = dt.date.fromisoformat(expires), dt.date.fromisoformat(day)
    except ValueError:
        return ""
    if end < start:
        return "expired"
    return "expiring" if (end - start).days <= SOON_DAYS else "valid"


@dataclass(frozen=True)
class Beside:
    """What the site links to beside its pages: the build's files, its endpoint, the report."""

    download: str | None = None  # the folder the build's files are downloaded from
    endpoint: str | None = None
    report: str | None = None
    feed: bool = False  # the site carries the build's changes.atom
    catalog: SiteGraph | None = None  # the build's DCAT-AP catalogue, for the dataset page


class SiteWriter:
    """Renders every file of the site into a dict of path -> bytes, each page in French
    (at the resource's path) and in English (under ``en/``)."""

    def __init__(self, graph: SiteGraph, base: str, base_url: str | None, beside: Beside | None = None):
        self.graph, self.base, self.base_url = graph, base, base_url
        self.beside = beside or Beside()
        self.paths = site_paths(base)
        self.files: dict[str, bytes] = {}
        self.synthetic = graph.synthetic()
        self.ontology = SiteGraph(ntriples_bytes(ontology_ntriples()))
        self.latest = graph.latest()
        self.day = graph.latest_day()

    def set_language(self, lang: str) -> None:
        self.lang = self.graph.lang = self.ontology.lang = lang
        if self.beside.catalog is not None:
            self.beside.catalog.lang = lang

    def downloads(self, target: str) -> list[dict]:
        lang, b = self.lang, self.beside
        out = []
        if b.download:
            out.append({"label": text("dumps", lang), "files": [(n, b.download + n) for n in DUMP_FILES]})
            out.append({"label": text("catalogue", lang), "files": [(n, b.download + n) for n in CATALOGUE_FILES]})
            out.append({"label": text("answers", lang), "files": [("answers.json", b.download + "answers.json")]})
        feed = [("changes.atom", relative(FEED, target))] if b.feed else []
        if b.download:
            feed.append(("changes.csv", b.download + "changes.csv"))
        if feed:
            out.append({"label": text("feed", lang), "files": feed})
        if b.report:
            out.append({"label": text("report", lang), "files": [(b.report.rsplit("/", 1)[-1] or b.report, b.report)]})
        if b.endpoint:
            out.append({"label": text("endpoint", lang), "files": [(b.endpoint, b.endpoint)]})
        return out

    def render(self, template: str, page: str, **context) -> None:
        """Render ``page`` (its French path) in the current language."""
        paths, lang = self.paths, self.lang
        target = LANGUAGE_FOLDER[lang] + page
        prefix = LANGUAGE_FOLDER[lang]

        def rel(target_obj) -> str | None:
            iri = (
                target_obj.iri
                if isinstance(target_obj, Link)
                else target_obj["iri"]
                if isinstance(target_obj, dict)
                else target_obj
            )
            return paths.href(iri, target, prefix)

        context.setdefault("jsonld", None)
        context.setdefault("alternates", [])
        context.setdefault("iri", None)
        html = (
            environment()
            .get_template(template)
            .render(
                page=target,
                lang=lang,
                t=lambda key, **values: text(key, lang, **values),
                when=lambda value: human_date(value, lang),
                rel=rel,
                asset=lambda path: relative(path, target),
                here=lambda path: relative(prefix + path, target),
                languages=[
                    {"lang": other, "href": relative(LANGUAGE_FOLDER[other] + page, target)} for other in LANGUAGES
                ],
                switch={"href": relative(LANGUAGE_FOLDER[self.other] + page, target), "lang": self.other},
                synthetic=self.synthetic,
                ontology_href=paths.href(ONTOLOGY, target, prefix),
                dataset_href=paths.href(self.base + "dataset", target, prefix),
                directory_href=relative(prefix + DIRECTORY + "index.html", target),
                feed_href=relative(FEED, target) if self.beside.feed else None,
                downloads=self.downloads(target),
                dataset_title=self.graph.dataset_title(self.base),
                latest=self.latest,
                label=self.label,
                status=lambda cert: certificate_status(cert["expires"], self.day),
                soon_days=SOON_DAYS,
                colon="\u00a0:" if lang == "fr" else ":",
                **context,
            )
        )
        self.files[target] = html.encode("utf-8")

    @property
    def other(self) -> str:
        return next(other for other in LANGUAGES if other != self.lang)

    def label(self, iri: str) -> str:
        return self.graph.label(iri) if iri in self.graph.props else self.ontology.label(iri)

    def documents(self) -> list[str]:
        return sorted(doc for doc in self.graph.documents if self.paths.local(doc) is not None)

    def write_document(self, doc: str) -> None:
        local = cast(str, self.paths.local(doc))
        nt = ntriples_bytes(sorted({str(t) for t in self.graph.documents[doc]}))
        description = to_jsonld(nt)
        self.files[local + ".ttl"] = cast(bytes, to_turtle(nt))
        self.files[local + ".jsonld"] = cast(bytes, description)
        embedded = json.loads(cast(bytes, description))
        for lang in LANGUAGES:
            self.set_language(lang)
            self._write_page(doc, local, embedded)

    def _write_page(self, doc: str, local: str, embedded) -> None:
        page = local + ".html"
        target = LANGUAGE_FOLDER[self.lang] + page
        alternates = [
            {"type": media, "href": relative(f"{local}.{ext}", target), "label": label} for ext, media, label in FORMATS
        ]
        types = set(self.graph.iris(doc, RDF + "type"))
        common = {"iri": doc, "alternates": alternates}
        if doc == ONTOLOGY:
            self.render(
                "ontology.html",
                page,
                title=text("ontology", self.lang) + " hdsgraph",
                **common,
                **self.ontology_view(),
                jsonld=embedded,
            )
            return
        if doc == self.base + "dataset":
            self.render("dataset.html", page, **common, **self.dataset_view(), jsonld=embedded)
            return
        template = next((t for cls, t in PAGE_KINDS if cls in types), "resource.html")
        if template == "host.html":
            host = self.graph.host(doc)
            self.render(template, page, title=host["name"], host=host, jsonld=organization_jsonld(host), **common)
        elif template == "certificate.html":
            cert = self.graph.certificate(doc)
            self.render(
                template,
                page,
                title=text("certificate_of", self.lang, name=cert["host"].label if cert["host"] else doc),
                cert=cert,
                jsonld=embedded,
                **common,
            )
        elif template == "snapshot.html":
            self.render(
                template,
                page,
                title=text("snapshot", self.lang) + " " + self.graph.link(doc).label.rsplit(" ", 1)[-1],
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
            today = self.graph.hosts_linked_to(doc, today=True)
            kind = next((self.label(t) for t in sorted(types) if t.startswith(HDS)), "concept")
            self.render(
                template,
                page,
                title=self.graph.label(doc),
                concept=concept,
                today=today,
                formerly=len(concept["hosts"]) - len(today),
                kind=kind,
                jsonld=embedded,
                **common,
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

    # ------------------------------------------------------------ the dataset page

    def dataset_view(self) -> dict:
        g, lang, dataset = self.graph, self.lang, self.base + "dataset"
        descriptions = g.labels(dataset, DCTERMS + "description")
        catalog = self.beside.catalog
        files, licence, publisher, contact = [], None, "", ""
        if catalog is not None:
            for distribution in catalog.iris(dataset, DCAT + "distribution"):
                url = catalog.iris(distribution, DCAT + "downloadURL")
                checksum = catalog.iris(distribution, SPDX + "checksum")
                media = catalog.iris(distribution, DCAT + "mediaType")
                files.append(
                    {
                        "name": url[0].rsplit("/", 1)[-1] if url else distribution,
                        "href": http_only(url[0]) if url else None,
                        "title": catalog.labels(distribution, DCTERMS + "title").get(lang)
                        or catalog.text(distribution, DCTERMS + "title"),
                        "size": catalog.text(distribution, DCAT + "byteSize"),
                        "sha256": catalog.text(checksum[0], SPDX + "checksumValue") if checksum else "",
                        "media": media[0].split("/media-types/", 1)[-1] if media else "",
                    }
                )
            licences = catalog.iris(dataset, DCTERMS + "license") or [
                o for d in catalog.iris(dataset, DCAT + "distribution") for o in catalog.iris(d, DCTERMS + "license")
            ]
            if licences and http_only(licences[0]):
                licence = Link(licences[0], catalog.label(licences[0]))
            publishers = catalog.iris(dataset, DCTERMS + "publisher")
            publisher = catalog.labels(publishers[0], FOAF + "name").get(lang, "") if publishers else ""
            contacts = catalog.iris(dataset, DCAT + "contactPoint")
            emails = catalog.iris(contacts[0], VCARD + "hasEmail") if contacts else []
            contact = emails[0].removeprefix("mailto:") if emails else ""
        files.sort(key=lambda f: f["name"])
        snapshots = [
            {"link": snap, "date": g.text(snap.iri, DCTERMS + "date"), "hosts": len(g.hosts_linked_to(snap.iri))}
            for snap in g.snapshots()
        ]
        title = g.dataset_title(self.base)
        year = (self.latest.label[:4] if self.latest else "").strip()
        citation = ". ".join(
            part
            for part in (
                publisher or "hdsgraph",
                f"{title} ({year})" if year else title,
                text("version", lang) + " " + (self.latest.label if self.latest else ""),
                dataset,
            )
            if part
        )
        return dict(
            title=title,
            description=descriptions.get(lang) or descriptions.get("en", ""),
            licence=licence,
            files=files,
            snapshots=snapshots,
            citation=citation + ".",
            publisher=publisher,
            contact=contact,
            period=(snapshots[0]["link"].label, snapshots[-1]["link"].label) if snapshots else None,
        )

    # ------------------------------------------------------------ index and directory

    def current_hosts(self) -> list[dict]:
        g = self.graph
        rows = []
        for link in g.hosts():
            if not g.is_current(link.iri):
                continue
            certificates = [c for c in g.iris(link.iri, HDS + "holds") if g.is_current(c)]
            activities = sorted(
                {g.link(a) for c in certificates for a in g.iris(c, HDS + "activity")}, key=lambda a: a.notation
            )
            nationality = g.iris(link.iri, HDS + "nationality")
            rows.append(
                {
                    "link": link,
                    "siren": g.text(link.iri, HDS + "siren"),
                    "activities": activities,
                    "nationality": g.link(nationality[0]) if nationality else None,
                }
            )
        return rows

    def lapsed_hosts(self) -> list[dict]:
        g = self.graph
        return [{"link": link, "lapse": g.lapse(link.iri)} for link in g.hosts() if not g.is_current(link.iri)]

    def counted(self) -> dict[str, list]:
        g = self.graph
        schemes = g.schemes()
        out = {}
        for name in ("positionings", "activities", "certificateTypes", "certificationBodies"):
            out[name] = [(c, len(g.hosts_linked_to(c.iri, today=True))) for c in schemes.get(HDS + name, [])]
        for name in ("positionings", "certificationBodies"):  # largest first; activities keep their numbering
            out[name].sort(key=lambda pair: (-pair[1], pair[0].label))
        referentials = sorted({r for c in g.typed(HDS + "Certificate") for r in g.iris(c, HDS + "referential")})
        out["referentials"] = [(g.link(r), len(g.hosts_linked_to(r, today=True))) for r in referentials]
        return out

    def nationality_pages(self) -> list[tuple[Link | None, list[Link], str]]:
        """(country, hosts certified today, page) for each nationality of today's hosts."""
        out = []
        for country, members in self.graph.by_nationality(today=True):
            code = (
                country.notation if country and country.notation else country.iri.rsplit("/", 1)[-1] if country else ""
            )
            name = code if code and SAFE_PATH.fullmatch(code) and "/" not in code else "unknown"
            out.append((country, members, f"{DIRECTORY}nationality/{name}.html"))
        return out

    def write_index(self) -> None:
        g = self.graph
        certificates = sum(1 for c in g.typed(HDS + "Certificate") if g.is_current(c))
        for lang in LANGUAGES:
            self.set_language(lang)
            hosts = self.current_hosts()
            lapsed = self.lapsed_hosts()
            counted = self.counted()
            nationalities = self.nationality_pages()
            unpositioned = [h["link"] for h in hosts if not g.iris(h["link"].iri, HDS + "positioning")]
            common = dict(counted=counted, nationalities=nationalities, hosts=hosts, lapsed=lapsed)
            self.render(
                "index.html",
                "index.html",
                title=g.dataset_title(self.base),
                unpositioned=unpositioned,
                snapshots=g.snapshots(),
                certificates=certificates,
                **common,
            )
            self.render("directory.html", DIRECTORY + "index.html", title=text("directory_title", lang), **common)
            self.render(
                "letters.html", DIRECTORY + "a-z.html", title=text("letters_title", lang), letters=self.letters()
            )
            for country, members, page in nationalities:
                title = (
                    text("nationality_title", lang, country=country.label)
                    if country
                    else text("unknown_nationality", lang)
                )
                self.render("nationality.html", page, title=title, country=country, members=members)

    def letters(self) -> list[tuple[str, list[tuple[Link, bool]]]]:
        groups: dict[str, list[tuple[Link, bool]]] = {}
        other = text("other_letters", self.lang)
        for link in self.graph.hosts():
            first = unicodedata.normalize("NFKD", link.label.strip()[:1]).encode("ascii", "ignore").decode().upper()
            key = first if first.isalpha() else other
            groups.setdefault(key, []).append((link, self.graph.is_current(link.iri)))
        return sorted(groups.items(), key=lambda kv: (kv[0] == other, kv[0]))

    def write_server_config(self) -> None:
        env = environment()
        folder = urlsplit(self.base_url or self.base).path or "/"
        self.files["style.css"] = (TEMPLATES / "style.css").read_bytes()
        self.files[".htaccess"] = env.get_template("htaccess").render(qualities=QUALITIES).encode("utf-8")
        self.files["nginx.conf"] = (
            env.get_template("nginx.conf").render(folder=folder, qualities=QUALITIES).encode("utf-8")
        )
        if self.base_url:
            w3id = urlsplit(self.base).path
            self.files["w3id.htaccess"] = (
                env.get_template("w3id.htaccess")
                .render(base=self.base, w3id_path=w3id, site=self.base_url, downloads=urljoin(self.base_url, "../"))
                .encode("utf-8")
            )


def render_site(
    nt: bytes, base_url: str | None = None, manifest_base: str | None = None, beside: Beside | None = None
) -> dict[str, bytes]:
    """Every file of the site (path -> bytes) for a graph given as N-Triples."""
    if base_url is not None:
        wrong = "{what} {value!r} must be an absolute http(s) {noun} ending with {endings}"
        check_http(base_url, "base URL", "URL", ("/",), well_formed=False, invalid=wrong, unended=wrong)
    _refuse_blank_nodes(nt)
    graph = SiteGraph(nt)
    writer = SiteWriter(graph, data_base(graph, manifest_base), base_url, beside)
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


def beside_the_site(data: Path, report_url: str | None = None) -> tuple[Beside, dict[str, bytes]]:
    """What a build folder (or a dump inside one) puts beside its site: the download
    folder and SPARQL endpoint of its ``build.json``, its catalogue, its change feed (copied
    into the site, whose pages it links to)."""
    manifest = manifest_path(Path(data))
    extra: dict[str, bytes] = {}
    if manifest is None:
        return Beside(report=report_url), extra
    folder = manifest.parent
    base = build_base(Path(data)) or ""  # refuses a manifest that is not a build's
    options = json.loads(manifest.read_text(encoding="utf-8")).get("catalog") or {}
    download = options.get("download_url") or (base + "dist/" if base else None)
    catalog = None
    if (folder / "catalog.ttl").is_file():
        triples = ox.parse(path=str(folder / "catalog.ttl"), format=ox.RdfFormat.TURTLE)
        catalog = SiteGraph("".join(f"{q.triple} .\n" for q in triples).encode("utf-8"))
    if (folder / FEED).is_file():
        extra[FEED] = (folder / FEED).read_bytes()
    endpoint = http_only(options.get("sparql_endpoint"))
    beside = Beside(http_only(download), endpoint, report_url, FEED in extra, catalog)
    return beside, extra


def write_site(data: Path, out: Path, base_url: str | None = None, report_url: str | None = None) -> dict[str, bytes]:
    """Render the site of a build folder or dump ``data`` into ``out``, atomically;
    ``report_url``: where the report (``hdsgraph report``) is published, linked from every page."""
    out = Path(out)
    refuse_inside(out, [data])
    if out.is_dir() and any(out.iterdir()) and not (out / CHECKSUMS).is_file():
        raise InputError(f"{out}: refusing to replace a folder that is not an hdsgraph site; choose another --out")
    if report_url is not None:
        check_http(report_url, "report URL", "URL", ())
    beside, extra = beside_the_site(Path(data), report_url)
    files = render_site(read_ntriples(Path(data)), base_url, build_base(Path(data)), beside)
    files.update(extra)
    write_folder(out, files)
    return files
