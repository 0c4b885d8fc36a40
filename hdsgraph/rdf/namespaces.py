"""Namespaces, and the one prefix table used for Turtle, JSON-LD and every description."""

VOCAB_BASE = "https://w3id.org/hdsgraph/"
DEFAULT_BASE_URI = "https://w3id.org/hdsgraph/"
HDS = VOCAB_BASE + "ontology#"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
ROV = "http://www.w3.org/ns/regorg#"
ADMS = "http://www.w3.org/ns/adms#"
OWL = "http://www.w3.org/2002/07/owl#"
VANN = "http://purl.org/vocab/vann/"
SH = "http://www.w3.org/ns/shacl#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
FORMATS = "http://www.w3.org/ns/formats/"
LOCN = "http://www.w3.org/ns/locn#"
GSP = "http://www.opengis.net/ont/geosparql#"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
SHAPES = VOCAB_BASE + "shapes#"

# The one prefix table. Each output declares the part of it that it uses (``prefixes``):
# the dumps GRAPH_PREFIXES (the JSON-LD context, data/context.jsonld, holds the same), the
# catalogue, VoID and the validation report theirs. "dct" is the DCAT-AP spelling of
# "dcterms", the one the catalogue uses; no output declares both.
PREFIXES = {
    "hds": HDS,
    "act": VOCAB_BASE + "activity/",
    "certtype": VOCAB_BASE + "certificate-type/",
    "pos": VOCAB_BASE + "positioning/",
    "ref": VOCAB_BASE + "referential/",
    "country": COUNTRY,
    "adms": ADMS,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "rov": ROV,
    "skos": SKOS,
    "vann": VANN,
    "void": VOID,
    "xsd": XSD,
    "dct": DCTERMS,
    "foaf": FOAF,
    "vcard": VCARD,
    "spdx": SPDX,
    "filetype": FILE_TYPE,
    "eulang": "http://publications.europa.eu/resource/authority/language/",
    "eutheme": "http://publications.europa.eu/resource/authority/data-theme/",
    "formats": FORMATS,
    "sh": SH,
    "shapes": SHAPES,
    "locn": LOCN,
    "gsp": GSP,
}


def prefixes(*names: str) -> dict[str, str]:
    """The named part of PREFIXES, in the order given."""
    return {name: PREFIXES[name] for name in names}


GRAPH_PREFIXES = prefixes(
    "hds",
    "act",
    "certtype",
    "pos",
    "ref",
    "country",
    "adms",
    "dcat",
    "dcterms",
    "org",
    "owl",
    "prov",
    "rdf",
    "rdfs",
    "rov",
    "skos",
    "vann",
    "void",
    "xsd",
)
