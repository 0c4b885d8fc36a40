"""Describe the dataset itself: a title and description in French and English, and the
registry snapshots it comes from.

The node's IRI is ``{base}dataset``, so that a catalogue record (DCAT-AP) can describe
the same resource. When any host is synthetic, the title and the description say
plainly that this is demonstration data.
"""

from __future__ import annotations

import json
from functools import lru_cache

from hdsgraph.pipeline.mapping import A, Minter
from hdsgraph.pipeline.normalise import Registry
from hdsgraph.pipeline.qualify import Hosts
from hdsgraph.rdf.namespaces import DCAT, DCTERMS, PROV, VOID
from hdsgraph.rdf.terms import iri, literal
from hdsgraph.resources import data_file


def dataset_iri(base: str) -> str:
    return f"{base}dataset"


@lru_cache(maxsize=None)
def _texts() -> dict:
    return json.loads(data_file("dataset.json").read_text(encoding="utf-8"))


def dataset_ntriples(registry: Registry, hosts: Hosts, base: str) -> list[str]:
    """The dataset node, as N-Triples lines."""
    node = iri(dataset_iri(base))
    snapshots = sorted(set(registry.certificates["snapshot"]))
    synthetic = int(hosts.table["synthetic"].astype(bool).sum())
    texts = _texts()["synthetic" if synthetic else "real"]
    values = {"hosts": len(hosts.table), "synthetic": synthetic, "snapshots": ", ".join(snapshots)}
    lines = [f"{node} {A} <{DCAT}Dataset>", f"{node} {A} <{VOID}Dataset>"]
    phrases = _texts()["fictitious"]["all" if synthetic == len(hosts.table) else "some"]
    for field in ("title", "description"):
        for lang, text in sorted(texts[field].items()):
            fictitious = phrases[lang].format(**values)
            lines.append(f"{node} <{DCTERMS}{field}> {literal(text.format(fictitious=fictitious, **values), lang=lang)}")
    mint = Minter(base)
    lines += [f"{node} <{PROV}wasDerivedFrom> {iri(mint.snapshot(s))}" for s in snapshots]
    return lines
