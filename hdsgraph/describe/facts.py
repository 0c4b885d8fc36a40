"""The facts about a dataset that its descriptions share, computed once.

The dataset node of the graph (``hdsgraph.pipeline.dataset``), the DCAT-AP catalogue
(``catalog``) and the VoID description (``void``) all say what the dataset is called,
what it is, under which licence, and when: this module is where they get it.

- The texts (title, description) and the licence come from one file, the catalogue
  skeleton (``hdsgraph/data/catalog-skeleton.ttl``, or the publisher's
  ``--catalog-skeleton``): the ``dct:title`` and ``dct:description`` of ``<dataset>``, and
  its ``hdscat:distributionLicence``.
- When any host is synthetic, the texts say so: each title becomes its
  ``hdscat:demonstrationTitle`` (``{title}`` in it stands for the title), and each
  description gets ``hdscat:demonstrationNote`` added (``{fictitious}`` in it stands for
  ``hdscat:allFictitious`` or ``hdscat:someFictitious``, where ``{hosts}`` and
  ``{synthetic}`` are the counts). A skeleton without these annotations gets the bundled
  skeleton's, so that demonstration data is never presented as the real registry.
- The snapshot dates (hence the temporal span, issued and modified), the host counts and
  the dataset IRI come from the graph, through the store holding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from hdsgraph.errors import InputError, first_line
from hdsgraph.rdf.namespaces import DCAT, DCTERMS, HDS, RDF, VOCAB_BASE
from hdsgraph.rdf.store import select
from hdsgraph.rdf.terms import check_http
from hdsgraph.resources import data_file

HDSCAT = VOCAB_BASE + "catalog-skeleton#"
SKELETON = "catalog-skeleton.ttl"


@dataclass(frozen=True)
class CatalogOptions:
    """What a publisher configures: where the files can be downloaded (default
    ``{base}dist/``), the SPARQL endpoint serving the graph (default: none), and its own
    catalogue skeleton (default: the bundled one)."""

    download_url: str | None = None
    sparql_endpoint: str | None = None
    skeleton: Path | None = None

    def download_base(self, base_uri: str) -> str:
        url = self.download_url or base_uri + "dist/"
        return check_url(url, "download URL", folder=True)

    def endpoint(self) -> str | None:
        return check_url(self.sparql_endpoint, "SPARQL endpoint") if self.sparql_endpoint else None


def check_url(url: str, what: str, folder: bool = False) -> str:
    return check_http(url, what, "URL", ("/",) if folder else ())


def dataset_iri(base_uri: str) -> str:
    return base_uri + "dataset"


def catalog_iri(base_uri: str) -> str:
    return base_uri + "catalog"


@dataclass(frozen=True)
class Skeleton:
    """The catalogue skeleton, read with the build's base URI."""

    path: Path
    base_uri: str
    triples: tuple[ox.Triple, ...]

    @property
    def dataset(self) -> ox.NamedNode:
        return ox.NamedNode(dataset_iri(self.base_uri))

    def about_dataset(self, predicate: str) -> list:
        """The objects of ``<dataset> predicate``, sorted."""
        return sorted(
            (t.object for t in self.triples if t.subject == self.dataset and t.predicate.value == predicate), key=str
        )

    def by_language(self, predicate: str) -> dict[str, str]:
        return {o.language or "": o.value for o in self.about_dataset(predicate) if isinstance(o, ox.Literal)}


def read_skeleton(path: Path | None, base_uri: str) -> Skeleton:
    """The publisher's skeleton (default: the bundled one). Raises InputError when it
    cannot be read or does not describe ``<dataset>`` as a ``dcat:Dataset``."""
    path = Path(path) if path else data_file(SKELETON)
    return _read_skeleton(path, base_uri)


def _read_skeleton(path: Path, base_uri: str) -> Skeleton:
    try:
        triples = tuple(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_uri))
    except FileNotFoundError:
        raise InputError(f"{path}: no such catalogue skeleton") from None
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not a valid Turtle catalogue skeleton ({first_line(exc)})") from None
    dataset = ox.NamedNode(dataset_iri(base_uri))
    if ox.Triple(dataset, ox.NamedNode(RDF + "type"), ox.NamedNode(DCAT + "Dataset")) not in triples:
        raise InputError(
            f"{path}: the skeleton must describe <dataset> (the dataset {dataset.value}) as a dcat:Dataset"
        )
    return Skeleton(path, base_uri, triples)


@cache
def _bundled(base_uri: str) -> Skeleton:
    return _read_skeleton(data_file(SKELETON), base_uri)


@dataclass(frozen=True)
class Texts:
    """What the dataset is called and what it is, as (language, text) pairs, and its licence."""

    titles: tuple[tuple[str, str], ...]
    descriptions: tuple[tuple[str, str], ...]
    licence: str | None

    def literals(self, field: str) -> list[ox.Literal]:
        pairs = self.titles if field == "title" else self.descriptions
        return [ox.Literal(text, language=lang) if lang else ox.Literal(text) for lang, text in pairs]


_PLACEHOLDER = re.compile(r"\{(title|hosts|synthetic|fictitious)\}")


def _fill(template: str, **values) -> str:
    """Only the known placeholders are replaced: a publisher's text may hold braces."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def _annotation(skeleton: Skeleton, name: str, lang: str) -> str:
    """An hdscat annotation in ``lang``: the skeleton's, else the bundled skeleton's;
    in English when there is none in that language."""
    for source in (skeleton, _bundled(skeleton.base_uri)):
        texts = source.by_language(HDSCAT + name)
        if texts:
            return texts.get(lang) or texts.get("en") or next(iter(texts.values()))
    raise AssertionError(f"the bundled skeleton has no hdscat:{name}")


def dataset_texts(skeleton: Skeleton, hosts: int, synthetic: int) -> Texts:
    """The dataset's title and description for a graph of ``hosts`` hosts of which
    ``synthetic`` are synthetic, and its licence, from the skeleton."""
    titles = sorted(skeleton.by_language(DCTERMS + "title").items())
    descriptions = sorted(skeleton.by_language(DCTERMS + "description").items())
    if synthetic:
        phrase = "allFictitious" if synthetic == hosts else "someFictitious"
        titles = [(lang, _fill(_annotation(skeleton, "demonstrationTitle", lang), title=text)) for lang, text in titles]
        descriptions = [
            (
                lang,
                text
                + " "
                + _fill(
                    _annotation(skeleton, "demonstrationNote", lang),
                    fictitious=_fill(_annotation(skeleton, phrase, lang), hosts=hosts, synthetic=synthetic),
                ),
            )
            for lang, text in descriptions
        ]
    licences = [o.value for o in skeleton.about_dataset(HDSCAT + "distributionLicence") if isinstance(o, ox.NamedNode)]
    return Texts(tuple(titles), tuple(descriptions), licences[0] if licences else None)


@dataclass(frozen=True)
class GraphCounts:
    """What the descriptions read from the data graph."""

    snapshots: tuple[tuple[str, ox.Literal], ...]  # (snapshot IRI, dcterms:date), by date
    hosts: int
    synthetic: int

    @property
    def dates(self) -> list[ox.Literal]:
        return [date for _, date in self.snapshots]


def sparql_count(store: ox.Store, aggregate: str, where: str) -> int:
    """One SPARQL count: ``sparql_count(store, "COUNT(DISTINCT ?s)", "?s ?p ?o")``."""
    row = next(iter(select(store, f"SELECT ({aggregate} AS ?n) WHERE {{ {where} }}")))
    return int(row["n"].value)


def graph_counts(store: ox.Store) -> GraphCounts:
    rows = select(store, f"SELECT ?s ?d WHERE {{ ?s a <{HDS}RegistrySnapshot> ; <{DCTERMS}date> ?d }}")
    snapshots = tuple(sorted(((row["s"].value, row["d"]) for row in rows), key=lambda p: (p[1].value, p[0])))
    hosts = sparql_count(store, "COUNT(DISTINCT ?h)", f"?h a <{HDS}Host>")
    synthetic = sparql_count(store, "COUNT(DISTINCT ?h)", f"?h a <{HDS}Host> ; <{HDS}synthetic> true")
    return GraphCounts(snapshots, hosts, synthetic)


@dataclass(frozen=True)
class Facts:
    """Everything the catalogue and VoID share about one build."""

    base_uri: str
    counts: GraphCounts
    texts: Texts
    skeleton: Skeleton
    download: str  # where the files can be downloaded (a folder URL)
    sparql_endpoint: str | None

    @property
    def dataset(self) -> ox.NamedNode:
        return ox.NamedNode(dataset_iri(self.base_uri))

    @property
    def catalog(self) -> ox.NamedNode:
        return ox.NamedNode(catalog_iri(self.base_uri))

    @property
    def synthetic(self) -> bool:
        return self.counts.synthetic > 0

    @property
    def snapshots(self) -> tuple[tuple[str, ox.Literal], ...]:
        return self.counts.snapshots

    @property
    def first(self) -> ox.Literal | None:
        """The first snapshot's date: the dataset was issued then."""
        return self.counts.dates[0] if self.counts.snapshots else None

    @property
    def last(self) -> ox.Literal | None:
        """The latest snapshot's date: the dataset was last modified then."""
        return self.counts.dates[-1] if self.counts.snapshots else None


def dataset_facts(
    store: ox.Store, base_uri: str, options: CatalogOptions | None = None, skeleton: Skeleton | None = None
) -> Facts:
    """The facts for the graph held by ``store`` (``skeleton``: already read, or read here
    from ``options``)."""
    options = options or CatalogOptions()
    download, endpoint = options.download_base(base_uri), options.endpoint()
    skeleton = skeleton or read_skeleton(options.skeleton, base_uri)
    counts = graph_counts(store)
    return Facts(
        base_uri, counts, dataset_texts(skeleton, counts.hosts, counts.synthetic), skeleton, download, endpoint
    )
