"""The floor: a registry CSV to sorted N-Triples with polars, and nothing else.

    python benchmarks/floor.py REGISTRY.csv LOOKUPS.json OUT.nt

Reads one canonical registry CSV (as ``hdsgraph synth`` writes it: one snapshot, no
certificate numbers, certification bodies the data file does not know) and writes the
triples hdsgraph's map stage makes from its rows: hosts, their SIREN identifiers and
Annuaire links, positioning and nationality (source "registry"), countries, certification
bodies, certificates and the snapshot, as sorted, de-duplicated N-Triples lines. It does
not write the ontology nor the dataset node (``<BASE>dataset``): those do not come from the
rows, and the benchmark compares this file with hdsgraph's ``hds.nt`` without them. No
validation, no quarantine, no query: the time of reading and writing the same triples.

LOOKUPS.json gives the vocabulary IRIs, namespaces, countries and legal forms (written by
``benchmarks/run.py`` from hdsgraph's data files), so that this script, run in its own
environment with polars only (``benchmarks/.venv-floor``), has no IRI of its own.

Table work is polars; three things go through Python once per distinct value: the name
key (Unicode decomposition and a look-behind polars' regex lacks), parsing an activities
cell, and SHA-256 of a certificate's identity (polars has no SHA-256).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

import polars as pl

TRUE = ("true", "1", "yes", "oui", "vrai")
HORIZON_DAYS = 180


def name_key_function(legal_forms: set[str]):
    """The name key of each of a list of names: case, accents (combining marks after
    Unicode decomposition), dots inside initials and legal forms do not count."""
    dots = re.compile(r"(?<=\b\w)\.(?=\w\b)")
    words_of = re.compile(r"[a-z0-9]+")

    def name_keys(names: list[str]) -> list[str]:
        folded = [unicodedata.normalize("NFKD", name.casefold()) for name in names]
        marks = {ord(ch): None for ch in set("".join(folded)) if unicodedata.combining(ch)}
        keys = []
        for text in folded:
            words = words_of.findall(dots.sub("", text.translate(marks)))
            kept = [w for w in words if w not in legal_forms]
            keys.append(" ".join(kept or words))
        return keys

    return name_keys


def parse_activities(cell: str) -> tuple[int, ...]:
    numbers: set[int] = set()
    for token in re.split(r"[;,]", cell):
        token = token.strip()
        if token:
            first, _, last = token.replace("–", "-").partition("-")
            numbers.update(range(int(first), int(last or first) + 1))
    return tuple(sorted(numbers))


def per_value(column: pl.Series, function=None, batch=None) -> pl.Series:
    """``function`` applied once to each distinct value of ``column`` (or ``batch`` once to
    the list of them)."""
    distinct = column.unique().to_list()
    results = batch(distinct) if batch else [function(v) for v in distinct]
    return column.replace_strict(distinct, results, return_dtype=pl.String)


def literal(column: str | pl.Expr, suffix: str = "") -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        expr = expr.str.replace_all(char, escaped, literal=True)
    return pl.concat_str([pl.lit('"'), expr, pl.lit('"' + suffix)])


def most_common(frame: pl.DataFrame, key: str, value: str) -> pl.DataFrame:
    """Per ``key``, the most frequent non-empty ``value``; ties go to the smallest."""
    return (
        frame.filter(pl.col(value) != "")
        .group_by(key, value)
        .len()
        .sort([key, "len", value], descending=[False, True, False])
        .unique(key, keep="first")
        .select(key, value)
    )


def floor(registry: Path, lookups: dict) -> pl.Series:
    ns = lookups["namespaces"]
    base = lookups["base"]
    rdf_type = f"<{ns['rdf']}type>"
    hds, xsd = ns["hds"], ns["xsd"]
    name_key = name_key_function(set(lookups["legal_forms"]))
    data = registry.read_bytes()
    stem = registry.stem
    default_snapshot = stem if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", stem) else "undated"

    rows = pl.read_csv(data, infer_schema=False).fill_null("")
    for column in ("siren", "snapshot", "nationality", "positioning", "synthetic", "certification_body"):
        if column not in rows.columns:
            rows = rows.with_columns(pl.lit("").alias(column))
    spaces = r"\s+"
    rows = rows.with_columns(
        pl.col("host").str.replace_all(spaces, " ").str.strip_chars(),
        pl.col("siren").str.replace_all(r"[\s.]", ""),
        pl.col("certification_body").str.replace_all(spaces, " ").str.strip_chars(),
        pl.col("snapshot").str.strip_chars(),
    ).with_columns(
        pl.when(pl.col("snapshot") == "").then(pl.lit(default_snapshot)).otherwise("snapshot").alias("snapshot"),
    )
    rows = rows.with_columns(
        per_value(rows["host"], batch=name_key).alias("name_key"),
        per_value(rows["certification_body"], batch=name_key).alias("body_key"),
        per_value(rows["activities"], lambda c: ",".join(map(str, parse_activities(c)))).alias("numbers"),
    )
    # A host is its SIREN; without one, the only SIREN its name has elsewhere, else its name.
    single = (
        rows.filter(pl.col("siren") != "")
        .group_by("name_key")
        .agg(pl.col("siren").unique())
        .filter(pl.col("siren").list.len() == 1)
        .select("name_key", pl.col("siren").list.first().alias("name_siren"))
    )
    rows = rows.join(single, on="name_key", how="left").with_columns(
        pl.when(pl.col("siren") != "")
        .then("siren")
        .when(pl.col("name_siren").is_not_null())
        .then("name_siren")
        .otherwise(pl.lit("name:") + pl.col("name_key"))
        .alias("host_key")
    )
    rows = rows.unique(
        ["snapshot", "host_key", "numbers", "body_key", "issued", "expires"], keep="first", maintain_order=True
    )
    local = pl.col("host_key").str.strip_prefix("name:").str.replace_all(" ", "-", literal=True)
    rows = rows.with_columns(
        pl.concat_str(
            [
                pl.lit(base + "host/"),
                pl.when(pl.col("host_key").str.starts_with("name:") & local.str.contains(r"^[0-9]+$"))
                .then(pl.lit("name-"))
                .otherwise(pl.lit("")),
                local,
            ]
        ).alias("host_iri")
    )

    # ---- hosts
    latest = rows.group_by("host_key").agg(pl.col("snapshot").max().alias("latest"))
    in_latest = rows.join(latest, on="host_key").filter(pl.col("snapshot") == pl.col("latest"))
    hosts = (
        rows.group_by("host_key")
        .agg(
            pl.col("host_iri").first(),
            pl.col("synthetic").str.strip_chars().str.to_lowercase().is_in(TRUE).any().alias("synthetic"),
        )
        .join(most_common(in_latest, "host_key", "host").rename({"host": "name"}), on="host_key", how="left")
        .join(most_common(rows, "host_key", "siren"), on="host_key", how="left")
        .join(
            most_common(
                rows.with_columns(pl.col("nationality").str.strip_chars().str.to_uppercase()), "host_key", "nationality"
            ),
            on="host_key",
            how="left",
        )
        .join(
            most_common(rows.with_columns(pl.col("positioning").str.strip_chars()), "host_key", "positioning"),
            on="host_key",
            how="left",
        )
    )
    countries = pl.DataFrame(
        [
            {"nationality": a2, "country_iri": c["iri"], "alpha2": c["alpha2"], "country_name": c["name"]}
            for a2, c in lookups["countries"].items()
        ]
    )
    positionings = pl.DataFrame(
        {"positioning": list(lookups["positionings"]), "positioning_iri": list(lookups["positionings"].values())}
    )
    hosts = hosts.join(countries, on="nationality", how="left").join(positionings, on="positioning", how="left")
    h = pl.concat_str([pl.lit("<"), pl.col("host_iri"), pl.lit(">")])
    ident = pl.concat_str([pl.lit("<"), pl.col("host_iri"), pl.lit("#siren>")])
    country = pl.concat_str([pl.lit("<"), pl.col("country_iri"), pl.lit(">")])
    parts: list[pl.Series] = []

    def emit(frame: pl.DataFrame, *terms) -> None:
        parts.append(frame.select(pl.concat_str(list(terms), separator=" ").alias("line"))["line"])

    def p(term: str) -> pl.Expr:
        return pl.lit(f"<{term}>")

    emit(hosts, h, pl.lit(rdf_type), p(hds + "Host"))
    emit(hosts, h, pl.lit(rdf_type), p(ns["rov"] + "RegisteredOrganization"))
    emit(hosts, h, p(ns["rov"] + "legalName"), literal("name"))
    emit(hosts, h, p(ns["rdfs"] + "label"), literal("name"))
    sirened = hosts.filter(pl.col("siren").is_not_null())
    emit(sirened, h, p(hds + "siren"), literal("siren"))
    emit(sirened, h, p(ns["adms"] + "identifier"), ident)
    emit(sirened, ident, pl.lit(rdf_type), p(ns["adms"] + "Identifier"))
    emit(sirened, ident, p(ns["skos"] + "notation"), literal("siren"))
    emit(sirened, ident, p(ns["adms"] + "schemaAgency"), pl.lit('"INSEE"'))
    emit(
        sirened,
        h,
        p(ns["rdfs"] + "seeAlso"),
        pl.concat_str([pl.lit("<" + lookups["annuaire"]), pl.col("siren"), pl.lit(">")]),
    )
    placed = hosts.filter(pl.col("positioning_iri").is_not_null())
    emit(placed, h, p(hds + "positioning"), pl.concat_str([pl.lit("<"), pl.col("positioning_iri"), pl.lit(">")]))
    emit(placed, h, p(hds + "positioningSource"), pl.lit('"registry"'))
    national = hosts.filter(pl.col("country_iri").is_not_null())
    emit(national, h, p(hds + "nationality"), country)
    emit(national, h, p(hds + "nationalitySource"), pl.lit('"registry"'))
    emit(national, country, p(ns["skos"] + "notation"), literal("alpha2"))
    emit(national, country, p(ns["rdfs"] + "label"), literal("country_name", "@en"))
    emit(hosts.filter("synthetic"), h, p(hds + "synthetic"), pl.lit(f'"true"^^<{xsd}boolean>'))

    # ---- certification bodies: a slug's most frequent spelling names it
    named = rows.filter(pl.col("certification_body") != "").with_columns(
        pl.col("body_key").str.replace_all(" ", "-", literal=True).alias("slug")
    )
    bodies = most_common(named, "slug", "certification_body")
    bodies = bodies.with_columns(
        (
            pl.lit(base + "certification-body/")
            + per_value(bodies["certification_body"], batch=name_key).str.replace_all(" ", "-", literal=True)
        ).alias("body_iri")
    )
    b = pl.concat_str([pl.lit("<"), pl.col("body_iri"), pl.lit(">")])
    emit(bodies, b, pl.lit(rdf_type), p(hds + "CertificationBody"))
    emit(bodies, b, pl.lit(rdf_type), p(ns["skos"] + "Concept"))
    emit(bodies, b, p(ns["skos"] + "inScheme"), p(hds + "certificationBodies"))
    emit(bodies, b, p(ns["skos"] + "prefLabel"), literal("certification_body"))
    rows = rows.with_columns(pl.col("body_key").str.replace_all(" ", "-", literal=True).alias("slug")).join(
        bodies.select("slug", "body_iri"), on="slug", how="left"
    )

    # ---- certificates: one per row and certificate type its activities reach
    certificates = []
    for kind in lookups["certificate_types"]:
        allowed = {str(a) for a in kind["activities"]}
        covered = per_value(
            rows["numbers"], lambda n, allowed=allowed: ",".join(a for a in n.split(",") if a in allowed)
        )
        typed = rows.with_columns(covered.alias("covered"), pl.lit(kind["iri"]).alias("type_iri")).filter(
            pl.col("covered") != ""
        )
        identity = pl.concat_str(
            [pl.col("host_key"), pl.lit(kind["code"]), "covered", "body_key", "issued", "expires"], separator="|"
        )
        typed = typed.with_columns(identity.alias("identity"))
        digest = per_value(typed["identity"], lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:12])
        prefix = kind["code"].split("_")[0]
        typed = typed.with_columns(
            pl.concat_str(
                [
                    pl.col("host_iri"),
                    pl.lit(f"/certificate/{prefix}-"),
                    pl.when(pl.col("issued") != "").then("issued").otherwise(pl.lit("undated")),
                    pl.lit("-"),
                    digest,
                ]
            ).alias("certificate_iri")
        )
        certificates.append(typed)
    certs = pl.concat(certificates)
    c = pl.concat_str([pl.lit("<"), pl.col("certificate_iri"), pl.lit(">")])
    s = pl.concat_str([pl.lit(f"<{base}snapshot/"), pl.col("snapshot"), pl.lit(">")])
    emit(certs, h, p(hds + "holds"), c)
    emit(certs, h, p(hds + "listedIn"), s)
    emit(certs, c, pl.lit(rdf_type), p(hds + "Certificate"))
    emit(certs, c, p(hds + "certificateType"), pl.concat_str([pl.lit("<"), pl.col("type_iri"), pl.lit(">")]))
    emit(certs, c, p(hds + "listedIn"), s)
    activity_iri = pl.DataFrame(
        {"activity": list(lookups["activities"]), "activity_iri": list(lookups["activities"].values())}
    )
    each = certs.select("certificate_iri", pl.col("covered").str.split(",").alias("activity")).explode("activity")
    each = each.join(activity_iri, on="activity")
    emit(each, c, p(hds + "activity"), pl.concat_str([pl.lit("<"), pl.col("activity_iri"), pl.lit(">")]))
    emit(certs.filter(pl.col("body_iri").is_not_null()), c, p(hds + "certificationBody"), b)
    emit(certs.filter(pl.col("issued") != ""), c, p(hds + "issueDate"), literal("issued", f"^^<{xsd}date>"))
    emit(certs.filter(pl.col("expires") != ""), c, p(hds + "expiryDate"), literal("expires", f"^^<{xsd}date>"))

    # ---- per snapshot, the counts over its listings (hosts, on all six activities, on one,
    # known French; new, lapsed and continuing since the snapshot before)
    covered = (
        each.join(certs.select("certificate_iri", "host_iri", "snapshot").unique(), on="certificate_iri")
        .group_by("snapshot", "host_iri")
        .agg(pl.col("activity").n_unique().alias("n"))
        .join(hosts.select("host_iri", "alpha2"), on="host_iri", how="left")
    )
    counted = covered.group_by("snapshot").agg(
        pl.len().alias("hostCount"),
        (pl.col("n") == 6).sum().alias("allActivitiesHostCount"),
        (pl.col("n") == 1).sum().alias("singleActivityHostCount"),
        (pl.col("alpha2") == "FR").sum().alias("frenchHostCount"),
    )
    listed = {
        row["snapshot"]: set(row["host_iri"])
        for row in covered.group_by("snapshot").agg(pl.col("host_iri")).iter_rows(named=True)
    }
    integer = f"^^<{xsd}integer>"
    lines: list[str] = []
    previous: str | None = None
    for row in counted.sort("snapshot").iter_rows(named=True):
        node = f"<{base}snapshot/{row['snapshot']}>"
        counts = {name: row[name] for name in counted.columns if name != "snapshot"}
        if previous is not None:
            now, before = listed[row["snapshot"]], listed[previous]
            lines.append(f"{node} <{hds}previousSnapshot> <{base}snapshot/{previous}>")
            counts |= {
                "newHostCount": len(now - before),
                "lapsedHostCount": len(before - now),
                "continuingHostCount": len(now & before),
            }
        lines += [f'{node} <{hds}{name}> "{value}"{integer}' for name, value in counts.items()]
        previous = row["snapshot"]

    # ---- the snapshot(s) the rows list
    checksum = hashlib.sha256(data).hexdigest()
    for snapshot in sorted(set(rows["snapshot"].to_list())):
        node = f"<{base}snapshot/{snapshot}>"
        lines += [
            f"{node} {rdf_type} <{hds}RegistrySnapshot>",
            f"{node} {rdf_type} <{ns['prov']}Entity>",
            f'{node} <{hds}snapshotId> "{snapshot}"',
            f'{node} <{ns["rdfs"]}label> "Registry snapshot {snapshot}"@en',
            f'{node} <{ns["dcterms"]}source> "{registry.name}"',
            f'{node} <{hds}sha256> "{checksum}"',
        ]
        if snapshot != "undated":
            kind = "date" if len(snapshot) == 10 else "gYearMonth"
            day = datetime.date.fromisoformat(snapshot if len(snapshot) == 10 else snapshot + "-01")
            horizon = day + datetime.timedelta(days=HORIZON_DAYS)
            lines += [
                f'{node} <{ns["dcterms"]}date> "{snapshot}"^^<{xsd}{kind}>',
                f'{node} <{hds}snapshotDay> "{day.isoformat()}"^^<{xsd}date>',
                f'{node} <{hds}expiryHorizon> "{horizon.isoformat()}"^^<{xsd}date>',
            ]
    parts.append(pl.Series("line", lines, dtype=pl.String))
    return pl.concat(parts, rechunk=True)


def write_sorted(lines: pl.Series, out: Path) -> int:
    """Sorted (polars orders strings by their UTF-8 bytes, which is code point order, as
    hdsgraph sorts), de-duplicated, one ``line .`` each: never a Python string per line."""
    lines = lines.sort()
    lines = lines.filter(lines.ne_missing(lines.shift(1)))  # duplicates are neighbours once sorted
    count = len(lines)
    pl.DataFrame({"line": lines + " ."}).write_csv(out, include_header=False, quote_style="never")
    return count


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: floor.py REGISTRY.csv LOOKUPS.json OUT.nt", file=sys.stderr)
        return 2
    registry, lookups_file, out = (Path(a) for a in argv)
    start = time.perf_counter()
    mapped_lines = [floor(registry, json.loads(lookups_file.read_text(encoding="utf-8")))]
    mapped = time.perf_counter()
    triples = write_sorted(mapped_lines.pop(), out)  # popped: one copy of the lines at a time
    done = time.perf_counter()
    json.dump(
        {
            "triples": triples,
            "stages": {"map": mapped - start, "sort and write": done - mapped},
            "polars": pl.__version__,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
