"""The three services: what is asked of them, and what is read from their answers.

- API Recherche d'entreprises (SIRENE, Licence Ouverte 2.0): ``GET /search`` by name
  (active units, a few candidates) or by SIREN; at most 7 requests/s.
- GLEIF (CC0): LEI records by SIREN, in batches, then each LEI's ultimate parent.
- Wikidata Query Service (CC0): SIREN (P1616) -> the top(s) of the parent chain (P749) and
  their country, in batches of SIRENs, one query a second.

Base URLs are options (and environment variables) so that tests point them at local
stand-ins; the defaults are the real services.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from hdsgraph.qualification.client import Answer, Client, Service

COMPANY_API = "https://recherche-entreprises.api.gouv.fr"
GLEIF_API = "https://api.gleif.org/api/v1"
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
ENVIRONMENT = {"company": "HDSGRAPH_COMPANY_API", "gleif": "HDSGRAPH_GLEIF_API", "wikidata": "HDSGRAPH_WIKIDATA_SPARQL"}
CANDIDATES = 5  # asked of the company API for a name
GLEIF_BATCH = 100
WIKIDATA_BATCH = 50
# Requests per second: the company API's published limit (7 per IP); GLEIF asks for at most
# 60 a minute; Wikidata allows 60 s of query time a minute, and a batch query takes about one.
RATE_LIMITS = {"company": 7.0, "gleif": 1.0, "wikidata": 1.0}


@dataclass(frozen=True)
class Endpoints:
    company: str = COMPANY_API
    gleif: str = GLEIF_API
    wikidata: str = WIKIDATA_SPARQL

    @classmethod
    def from_environment(cls, **given: str | None) -> Endpoints:
        """Options first, then HDSGRAPH_COMPANY_API / _GLEIF_API / _WIKIDATA_SPARQL, then the real services."""
        values = {}
        for name, variable in ENVIRONMENT.items():
            value = given.get(name) or os.environ.get(variable) or getattr(cls, name)
            values[name] = value.rstrip("/")
        return cls(**values)

    def services(self) -> dict[str, Service]:
        return {
            "company": Service("the API Recherche d'entreprises", self.company, RATE_LIMITS["company"]),
            "gleif": Service("the GLEIF API", self.gleif, RATE_LIMITS["gleif"]),
            "wikidata": Service("the Wikidata Query Service", self.wikidata, RATE_LIMITS["wikidata"]),
        }


@dataclass(frozen=True)
class Source:
    """Where a value was read: the service's answer (URL and retrieval time)."""

    service: str  # company, gleif, wikidata
    url: str
    retrieved: str

    @classmethod
    def of(cls, service: str, answer: Answer) -> Source:
        return cls(service, answer.url, answer.retrieved)


@dataclass(frozen=True)
class Unit:
    """A legal unit as the company API describes it."""

    siren: str
    name: str  # nom_raison_sociale, else nom_complet
    names: tuple[str, ...]  # every name it may be listed under (raison sociale, nom complet, sigle)
    nature_juridique: str
    activite_principale: str
    finess: bool
    code_pays_etranger: str
    libelle_pays_etranger: str
    source: Source

    @classmethod
    def from_result(cls, result: dict, source: Source) -> Unit:
        siege, complements = _dict(result.get("siege")), _dict(result.get("complements"))
        names = tuple(
            dict.fromkeys(
                str(result[k]).strip() for k in ("nom_raison_sociale", "nom_complet", "sigle") if _text(result.get(k))
            )
        )
        return cls(
            siren=_text(result.get("siren")),
            name=_text(result.get("nom_raison_sociale")) or _text(result.get("nom_complet")),
            names=names,
            nature_juridique=_text(result.get("nature_juridique")),
            activite_principale=_text(result.get("activite_principale")) or _text(siege.get("activite_principale")),
            finess=complements.get("est_finess") is True or bool(complements.get("liste_finess_juridique")),
            code_pays_etranger=_text(siege.get("code_pays_etranger")),
            libelle_pays_etranger=_text(siege.get("libelle_pays_etranger")),
            source=source,
        )


def _dict(value) -> dict:
    """A JSON object of an answer, or {} when the answer holds something else there."""
    return value if isinstance(value, dict) else {}


def _text(value) -> str:
    """A JSON string or number of an answer as text; "" for null, objects and lists."""
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())


def _results(answer: Answer) -> list[dict]:
    data = answer.json()
    results = data.get("results") if isinstance(data, dict) else None
    return [r for r in results if isinstance(r, dict) and _text(r.get("siren"))] if isinstance(results, list) else []


def search_name(client: Client, endpoints: Endpoints, name: str) -> list[Unit]:
    """Active units whose name matches ``name``, as the API ranks them (a few)."""
    service = endpoints.services()["company"]
    query = urlencode({"q": name, "etat_administratif": "A", "page": 1, "per_page": CANDIDATES})
    answer = client.get(service, f"{service.base}/search?{query}")
    return [Unit.from_result(r, Source.of("company", answer)) for r in _results(answer)]


def lookup_siren(client: Client, endpoints: Endpoints, siren: str) -> Unit | None:
    """The unit of this SIREN (the API looks a 9-digit query up directly)."""
    service = endpoints.services()["company"]
    answer = client.get(service, f"{service.base}/search?{urlencode({'q': siren, 'page': 1, 'per_page': 1})}")
    found = [r for r in _results(answer) if _text(r.get("siren")) == siren]
    return Unit.from_result(found[0], Source.of("company", answer)) if found else None


@dataclass(frozen=True)
class LegalEntity:
    """A GLEIF LEI record, reduced to what qualification reads."""

    lei: str
    name: str
    country: str  # legal address, ISO alpha-2
    siren: str  # registeredAs, when registered in France
    source: Source


def _entity(record: dict, source: Source) -> LegalEntity | None:
    attributes = _dict(_dict(record).get("attributes"))
    entity = _dict(attributes.get("entity"))
    lei = _text(attributes.get("lei")) or _text(_dict(record).get("id"))
    if not lei:
        return None
    return LegalEntity(
        lei=lei,
        name=_text(_dict(entity.get("legalName")).get("name")),
        country=_text(_dict(entity.get("legalAddress")).get("country")).upper(),
        siren=_text(entity.get("registeredAs")) if _text(entity.get("jurisdiction")).upper() == "FR" else "",
        source=source,
    )


def gleif_by_siren(client: Client, endpoints: Endpoints, sirens: list[str]) -> dict[str, LegalEntity]:
    """SIREN -> its LEI record, for the SIRENs GLEIF knows; asked in batches."""
    service = endpoints.services()["gleif"]
    found: dict[str, LegalEntity] = {}
    for start in range(0, len(sirens), GLEIF_BATCH):
        batch = sirens[start : start + GLEIF_BATCH]
        query = f"filter[entity.registeredAs]={','.join(batch)}&filter[entity.jurisdiction]=FR&page[size]={GLEIF_BATCH}"
        answer = client.get(service, f"{service.base}/lei-records?{query}")
        data = _dict(answer.json()).get("data")
        for record in data if isinstance(data, list) else []:
            entity = _entity(record, Source.of("gleif", answer))
            if entity is not None and entity.siren in batch and entity.siren not in found:
                found[entity.siren] = entity
    return found


def gleif_ultimate_parent(client: Client, endpoints: Endpoints, lei: str) -> LegalEntity | None:
    """The LEI record of ``lei``'s ultimate parent, or None when none is reported."""
    service = endpoints.services()["gleif"]
    answer = client.get(service, f"{service.base}/lei-records/{quote(lei)}/ultimate-parent")
    data = _dict(answer.json()).get("data")
    return _entity(data, Source.of("gleif", answer)) if isinstance(data, dict) else None


@dataclass(frozen=True)
class WikidataTop:
    """One top of a SIREN's parent chain in Wikidata."""

    item: str  # the host's own item (Q-id)
    top: str  # the top organisation's Q-id (the item itself when it has no parent)
    label: str
    siren: str  # the top's SIREN, when it has one
    lei: str
    country: str  # ISO alpha-2, or ""
    source: Source


WIKIDATA_QUERY = """\
SELECT ?siren ?item ?top ?topLabel ?topSiren ?topLei ?iso2 WHERE {{
  VALUES ?siren {{ {values} }}
  ?item wdt:P1616 ?siren .
  ?item wdt:P749* ?top .
  FILTER NOT EXISTS {{ ?top wdt:P749 ?above }}
  OPTIONAL {{ ?top wdt:P17 ?c1 }}
  OPTIONAL {{ ?top wdt:P159/wdt:P17 ?c2 }}
  BIND(COALESCE(?c1, ?c2) AS ?country)
  OPTIONAL {{ ?country wdt:P297 ?iso2 }}
  OPTIONAL {{ ?top wdt:P1616 ?topSiren }}
  OPTIONAL {{ ?top wdt:P1278 ?topLei }}
  OPTIONAL {{ ?top rdfs:label ?topLabel FILTER(LANG(?topLabel) = "fr") }}
}}
ORDER BY ?siren ?top
"""


def _qid(value: str) -> str:
    return value.rsplit("/", 1)[-1]


def wikidata_tops(client: Client, endpoints: Endpoints, sirens: list[str]) -> dict[str, list[WikidataTop]]:
    """SIREN -> the top(s) of its parent chain (two or more: a joint venture); in batches."""
    service = endpoints.services()["wikidata"]
    found: dict[str, list[WikidataTop]] = {}
    for start in range(0, len(sirens), WIKIDATA_BATCH):
        batch = sirens[start : start + WIKIDATA_BATCH]
        text = WIKIDATA_QUERY.format(values=" ".join(f'"{s}"' for s in batch))
        answer = client.get(service, f"{service.base}?{urlencode({'query': text, 'format': 'json'})}")
        bindings = _dict(_dict(answer.json()).get("results")).get("bindings")
        for row in bindings if isinstance(bindings, list) else []:
            value = {k: _text(v.get("value")) for k, v in _dict(row).items() if isinstance(v, dict)}
            siren = value.get("siren", "")
            if siren not in batch or not value.get("item") or not value.get("top"):
                continue
            top = WikidataTop(
                item=_qid(value["item"]),
                top=_qid(value["top"]),
                label=value.get("topLabel", ""),
                siren=value.get("topSiren", ""),
                lei=value.get("topLei", ""),
                country=value.get("iso2", "").upper(),
                source=Source.of("wikidata", answer),
            )
            tops = found.setdefault(siren, [])
            if all(t.top != top.top for t in tops):
                tops.append(top)
    return found
