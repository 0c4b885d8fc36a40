"""Describe the dataset itself: its title and description, and the registry snapshots it
comes from.

The node's IRI is ``{base}dataset``, so that a catalogue record (DCAT-AP) can describe
the same resource. Its texts are the catalogue skeleton's (``hdsgraph.describe.facts``):
the graph, ``catalog.ttl`` and ``void.ttl`` give the dataset the same title and
description. When any host is synthetic, they say plainly that this is demonstration data.
"""

from __future__ import annotations

from hdsgraph.describe.facts import Skeleton, dataset_iri, dataset_texts, read_skeleton
from hdsgraph.pipeline.mapping import A, Minter
from hdsgraph.pipeline.normalise import Registry
from hdsgraph.pipeline.qualify import Hosts
from hdsgraph.rdf.namespaces import DCAT, DCTERMS, PROV, VOID
from hdsgraph.rdf.terms import iri, literal


def dataset_ntriples(registry: Registry, hosts: Hosts, base: str, skeleton: Skeleton | None = None) -> list[str]:
    """The dataset node, as N-Triples lines (``skeleton``: the catalogue skeleton, default
    the bundled one)."""
    skeleton = skeleton or read_skeleton(None, base)
    node = iri(dataset_iri(base))
    snapshots = sorted(set(registry.certificates["snapshot"]))
    synthetic = int(hosts.table["synthetic"].astype(bool).sum())
    texts = dataset_texts(skeleton, len(hosts.table), synthetic)
    lines = [f"{node} {A} <{DCAT}Dataset>", f"{node} {A} <{VOID}Dataset>"]
    for field, pairs in (("title", texts.titles), ("description", texts.descriptions)):
        lines += [f"{node} <{DCTERMS}{field}> {literal(text, lang=lang or None)}" for lang, text in pairs]
    mint = Minter(base)
    lines += [f"{node} <{PROV}wasDerivedFrom> {iri(mint.snapshot(s))}" for s in snapshots]
    return lines
