"""hdsgraph qualify against local stand-ins of the three services (tests/helpers/standins.py).

Expected values come from the rule files (read here with the csv module), not from the code.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hdsgraph.cli import cli
from hdsgraph.qualification import services
from hdsgraph.qualification.client import Cache, Client, RateLimiter, ServiceError
from hdsgraph.qualification.proposals import COLUMNS
from hdsgraph.qualification.services import Endpoints, search_name
from tests.helpers.siren import luhn_siren
from tests.helpers.standins import serve, unit
from tests.qualify_world import HOSTS, S, world, write_registry

DATA = Path(__file__).resolve().parents[1] / "hdsgraph" / "qualification" / "data"


def data_csv(name: str) -> dict[str, dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return {r["rule_id"]: r for r in csv.DictReader(line for line in handle if not line.startswith("#"))}


RULES = data_csv("positioning-rules.csv")
NATIONALITY = data_csv("nationality-rules.csv")


@pytest.fixture(autouse=True)
def fast_limits(monkeypatch):
    """The stand-ins need no rate limit; the limiter itself is tested with a clock below."""
    monkeypatch.setattr(services, "RATE_LIMITS", {"company": 1000.0, "gleif": 1000.0, "wikidata": 1000.0})


@pytest.fixture
def standins():
    with serve(world()) as running:
        yield running


def options(standins) -> list[str]:
    return [
        "--company-api",
        standins.url("company"),
        "--gleif-api",
        standins.url("gleif"),
        "--wikidata-sparql",
        standins.url("wikidata"),
    ]


def rows_of(path: Path) -> dict[str, dict[str, str]]:
    return {r["host"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}


@pytest.fixture(scope="module")
def qualified(tmp_path_factory):
    """One run of qualify on the stand-ins, shared by the tests that read its results:
    (folder, registry, proposals, stand-ins, CLI result)."""
    tmp_path = tmp_path_factory.mktemp("qualify")
    with pytest.MonkeyPatch.context() as patch, serve(world()) as standins:
        patch.setattr(services, "RATE_LIMITS", {"company": 1000.0, "gleif": 1000.0, "wikidata": 1000.0})
        registry = write_registry(tmp_path)
        out = tmp_path / "proposals.csv"
        result = CliRunner().invoke(
            cli,
            [
                "qualify",
                "--registry",
                str(registry),
                "--cache",
                str(tmp_path / "cache"),
                "--out",
                str(out),
                *options(standins),
            ],
        )
        assert result.exit_code == 0, result.output
        yield tmp_path, registry, out, standins, result


@pytest.fixture(autouse=True)
def no_failures_left(request):
    """A test that makes a shared stand-in fail puts it right afterwards."""
    yield
    if "qualified" in request.fixturenames:
        request.getfixturevalue("qualified")[3].failures.clear()


def test_one_row_per_host_weakest_first(qualified):
    _, _, out, _, result = qualified
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == COLUMNS
    assert sorted(r["host"] for r in rows) == sorted(h[0] for h in HOSTS)
    rank = {"": 0, "weak": 1, "medium": 2, "strong": 3}
    weakest = [min(rank[r["positioning_strength"]], rank[r["nationality_strength"]]) for r in rows]
    assert weakest == sorted(weakest)
    assert "Wrote " in result.output and f"{len(HOSTS)} hosts" in result.output


def _expect(row, axis, rule_id, table):
    rule = table[rule_id]
    assert row[f"{axis}_source"] == rule_id
    assert row[f"{axis}_strength"] == rule["strength"]
    if axis == "positioning" and "|" not in rule["positioning"] and rule["positioning"]:
        assert row["positioning"] == rule["positioning"]


def test_a_clear_match_is_accepted(qualified):
    row = rows_of(qualified[2])["Hébergeur fictif Alpha SAS"]
    assert (row["siren"], row["siren_source"], row["match_score"]) == (S["clear"], "search", "1.00")
    assert S["twin1"] in row["candidates"]  # the other candidate is shown, not taken
    _expect(row, "positioning", "NAF-6311", RULES)
    assert "activite_principale=63.11Z" in row["positioning_evidence"]
    _expect(row, "nationality", "FR-UNIT", NATIONALITY)
    assert row["nationality"] == "FR" and "nationality: weak" in row["review"]


def test_two_candidates_and_no_match_go_to_review(qualified):
    rows = rows_of(qualified[2])
    twins = rows["Infogérance fictive Bêta"]
    assert twins["siren"] == "" and twins["review"].startswith("identify: 2 units have this name")
    assert S["twin1"] in twins["candidates"] and S["twin2"] in twins["candidates"]
    none = rows["Inconnu fictif Gamma"]
    assert none["siren"] == "" and none["review"].startswith("identify: no active unit found")
    assert none["positioning"] == none["nationality"] == ""


def test_a_hospital_by_its_legal_category(qualified):
    row = rows_of(qualified[2])["Centre hospitalier fictif de Delta"]
    assert row["siren_source"] == "registry"
    _expect(row, "positioning", "LC-7364", RULES)
    assert "nature_juridique=7364" in row["positioning_evidence"]


def test_a_gip_named_as_a_regional_ehealth_group(qualified):
    row = rows_of(qualified[2])["GIP e-santé fictif Epsilon"]
    _expect(row, "positioning", "EHEALTH-KW", RULES)
    assert "NAF-6203 says hosting_managed_services" in row["review"]  # the NAF code disagrees: a person looks


def test_an_insurers_it_arm_takes_its_parents_positioning(qualified):
    row = rows_of(qualified[2])["Informatique mutualiste fictive Zêta"]
    _expect(row, "positioning", "P-PARENT", RULES)
    assert row["positioning"] == RULES["LC-INS"]["positioning"]
    assert f"parent {S['mutual']} MUTUELLE FICTIVE ETA" in row["positioning_evidence"]
    _expect(row, "nationality", "GLEIF-PARENT", NATIONALITY)
    assert (row["nationality"], row["parent_siren"], row["parent_lei"]) == ("FR", S["mutual"], "969500FICTIVEETA0001")


def test_a_french_subsidiary_of_a_us_group_through_gleif(qualified):
    row = rows_of(qualified[2])["Nuage fictif Thêta France"]
    _expect(row, "nationality", "GLEIF-PARENT", NATIONALITY)
    assert row["nationality"] == "US" and row["lei"] == "969500FICTIVETHETA01"
    assert (
        row["parent_name"] == "Fictional Cloud Holdings Inc."
        and "legalAddress.country=US" in row["nationality_evidence"]
    )


def test_one_found_only_through_wikidata(qualified):
    row = rows_of(qualified[2])["Éditeur fictif Iota"]
    _expect(row, "nationality", "WD-PARENT", NATIONALITY)
    assert (row["nationality"], row["wikidata"], row["parent_wikidata"]) == ("DE", "Q990001", "Q990002")
    assert row["positioning"] == "" and "NAF-5829: one of" in row["review"]


def test_a_joint_venture_goes_to_review(qualified):
    row = rows_of(qualified[2])["Coentreprise fictive Kappa"]
    assert row["nationality"] == "" and "two parents" in row["review"]
    assert "Q990011" in row["nationality_evidence"] and "Q990012" in row["nationality_evidence"]


def test_a_foreign_company_with_a_french_branch(qualified):
    row = rows_of(qualified[2])["Fictive Lambda GmbH"]
    _expect(row, "nationality", "SIRENE-ABROAD", NATIONALITY)
    assert row["nationality"] == "DE" and "siege.code_pays_etranger=99109" in row["nationality_evidence"]


def test_a_polite_client(qualified):
    standins = qualified[3]
    agents = {headers.get("User-Agent", "") for _, _, headers in standins.requests}
    assert len(agents) == 1 and agents.pop().startswith("hdsgraph/")
    # GLEIF and Wikidata are asked in batches: one request for all the SIRENs.
    lookups = [path for service, path, _ in standins.requests if service == "gleif" and "registeredAs" in path]
    assert len(lookups) == 1 and all(S[k] in lookups[0] for k in ("clear", "itarm", "usfr", "branch"))
    assert sum(1 for service, _, _ in standins.requests if service == "wikidata") == 1


def test_offline_gives_the_same_bytes_without_any_service(qualified):
    tmp_path, registry, out, standins, _ = qualified
    asked = len(standins.requests)
    again = tmp_path / "again.csv"
    result = CliRunner().invoke(
        cli,
        ["qualify", "--registry", str(registry), "--cache", str(tmp_path / "cache"), "--out", str(again), "--offline"]
        + options(standins),
    )
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == out.read_bytes()
    assert len(standins.requests) == asked and "0 requests" in result.output


def test_the_cache_keeps_url_time_and_checksum(qualified):
    import hashlib

    entries = [json.loads(p.read_text()) for p in (qualified[0] / "cache").rglob("*.json")]
    assert entries
    for entry in entries:
        assert set(entry) == {"url", "retrieved", "sha256", "body"}
        assert hashlib.sha256(entry["body"].encode()).hexdigest() == entry["sha256"]


def test_offline_with_an_empty_cache_says_what_is_missing(tmp_path):
    registry = write_registry(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "qualify",
            "--registry",
            str(registry),
            "--cache",
            str(tmp_path / "c"),
            "--out",
            str(tmp_path / "p.csv"),
            "--offline",
        ],
    )
    assert result.exit_code == 2
    assert result.output.endswith("is not in the cache; run once without --offline to fill it\n")
    assert len(result.output.splitlines()) == 1 and not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize(
    "service, failure, message",
    [
        ("company", {"status": 500, "times": 99}, "Error: the API Recherche d'entreprises answered HTTP 500 to "),
        ("gleif", {"status": 500, "times": 99}, "Error: the GLEIF API answered HTTP 500 to "),
        (
            "wikidata",
            {"status": "slow", "seconds": 3, "times": 99},
            "Error: the Wikidata Query Service did not answer within 0.5 s",
        ),
    ],
)
def test_a_service_down_leaves_everything_as_it_was(qualified, monkeypatch, service, failure, message):
    tmp_path, registry, out, standins, _ = qualified
    before = out.read_bytes()
    cache = {p: p.read_bytes() for p in (tmp_path / "cache").rglob("*.json")}
    other = tmp_path / f"registry-{service}"
    other.mkdir()
    (other / "2026-12-01.csv").write_text(
        "host,activities,snapshot\nHébergeur fictif Nouveau,1-2,2026-12-01\n", encoding="utf-8"
    )
    standins.world.searches["Hébergeur fictif Nouveau"] = [luhn_siren(812_999_000)]
    standins.world.units[luhn_siren(812_999_000)] = unit(
        luhn_siren(812_999_000), "HEBERGEUR FICTIF NOUVEAU", "5710", "63.11Z"
    )
    standins.failures[service] = failure
    monkeypatch.setattr("hdsgraph.qualification.client.DEFAULT_TIMEOUT", 0.5)
    result = CliRunner().invoke(
        cli,
        [
            "qualify",
            "--registry",
            str(registry),
            "--registry",
            str(other),
            "--cache",
            str(tmp_path / "cache"),
            "--out",
            str(out),
            *options(standins),
        ],
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith(message) and len(result.output.splitlines()) == 1
    assert out.read_bytes() == before
    assert {p: p.read_bytes() for p in cache} == cache  # the entries already there are untouched


def test_429_waits_what_retry_after_says(tmp_path, standins):
    standins.failures["company"] = {"status": 429, "times": 2, "retry_after": "3"}
    slept = []
    client = Client(Cache(tmp_path), sleep=slept.append, clock=lambda: 0.0)
    endpoints = Endpoints(standins.url("company"), standins.url("gleif"), standins.url("wikidata"))
    found = search_name(client, endpoints, "Hébergeur fictif Alpha SAS")
    assert [u.siren for u in found] == [S["clear"], S["twin1"]]
    assert [s for s in slept if s == 3.0] == [3.0, 3.0] and client.requests == 3


def test_429_for_too_long_is_one_line(tmp_path, standins):
    standins.failures["company"] = {"status": 429, "times": 99, "retry_after": "3"}
    client = Client(Cache(tmp_path), sleep=lambda s: None)
    endpoints = Endpoints(standins.url("company"), standins.url("gleif"), standins.url("wikidata"))
    with pytest.raises(ServiceError, match=r"^the API Recherche d'entreprises keeps answering HTTP 429"):
        search_name(client, endpoints, "Hébergeur fictif Alpha SAS")


def test_the_limiter_allows_seven_requests_a_second():
    now = [0.0]
    sent = []

    def sleep(seconds):
        now[0] += seconds

    limiter = RateLimiter(7.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(50):
        limiter.wait()
        sent.append(now[0])
        now[0] += 0.01  # the request itself
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t < start + 1.0) <= 7
    assert sent[-1] < 50 / 7 + 0.5  # and no slower than needed


def test_the_real_limits_are_the_published_ones():
    import ast

    # the limits as shipped, read from the source: the tests' fixtures patch the module in use
    tree = ast.parse(Path(services.__file__).read_text(encoding="utf-8"))
    [limits] = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RATE_LIMITS"
    ]
    assert limits["company"] <= 7 and limits["gleif"] <= 1 and limits["wikidata"] <= 1


def test_the_recorded_real_answer_is_read():
    from tests.helpers.paths import SHARED

    sample = SHARED / "reference" / "qualification" / "recherche-entreprises_search_carrefour_per_page1.json"
    if not sample.is_file():
        pytest.skip(f"the recorded answer of the real API is not beside the checkout ({sample})")
    from hdsgraph.qualification.services import Source, Unit

    body = sample.read_text(encoding="utf-8")
    record = json.loads(body)["results"][0]
    unit = Unit.from_result(record, Source("company", "u", "t"))
    assert (unit.siren, unit.nature_juridique, unit.activite_principale) == (
        record["siren"],
        record["nature_juridique"],
        record["activite_principale"],
    )
    assert unit.finess is record["complements"]["est_finess"] and unit.code_pays_etranger == ""
    assert unit.names == (record["nom_raison_sociale"], record["nom_complet"], record["sigle"])


def test_a_reviewed_row_wins_and_its_table_is_never_overwritten(tmp_path, standins):
    registry = write_registry(tmp_path)
    reviewed = tmp_path / "hosts.csv"
    reviewed.write_text(
        "host,positioning,nationality,reviewed_by,reviewed_on,note\n"
        "Éditeur fictif Iota,health_software_publisher,FR,A. Relectrice,2026-11-30,publishes a fictitious patient record\n",
        encoding="utf-8",
    )
    before = reviewed.read_bytes()
    out = tmp_path / "p.csv"
    args = ["qualify", "--registry", str(registry), "--qualification", str(reviewed), "--cache", str(tmp_path / "c")]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), *options(standins)])
    assert result.exit_code == 0, result.output
    row = rows_of(out)["Éditeur fictif Iota"]
    assert (row["positioning"], row["positioning_source"], row["positioning_strength"]) == (
        "health_software_publisher",
        "reviewed",
        "reviewed",
    )
    assert (row["nationality"], row["nationality_source"]) == ("FR", "reviewed")  # not Wikidata's DE
    assert row["review"] == ""
    refused = CliRunner().invoke(cli, [*args, "--out", str(reviewed), *options(standins)])
    assert refused.exit_code == 2
    assert refused.output == (
        f"Error: {reviewed}: is the qualification table, which qualify never overwrites; choose another --out\n"
    )
    assert reviewed.read_bytes() == before


def test_build_uses_reviewed_values_then_proposals_and_counts_the_sources(qualified):
    import pandas as pd
    import rdflib

    tmp_path, registry, out, standins, _ = qualified
    reviewed = tmp_path / "hosts.csv"
    reviewed.write_text(
        "host,positioning,nationality,reviewed_by,reviewed_on\n"
        "Nuage fictif Thêta France,it_services_company,,B. Relecteur,2026-12-01\n",
        encoding="utf-8",
    )
    dist = tmp_path / "dist"
    result = CliRunner().invoke(
        cli,
        ["build", "--registry", str(registry), "--qualification", str(reviewed), "--proposals", str(out)]
        + ["--out", str(dist)],
    )
    assert result.exit_code == 0, result.output
    # The independent computation: the person's value, else a proposal of at least medium strength.
    proposals = pd.read_csv(out, dtype=str, keep_default_na=False)
    kept = proposals["positioning_strength"].isin(["medium", "strong"]) & (proposals["positioning"] != "")
    positioning = proposals["positioning"].where(kept, "unknown")
    source = pd.Series("rule", index=proposals.index).where(kept, "unknown")
    theta = proposals["host"] == "Nuage fictif Thêta France"
    positioning[theta], source[theta] = "it_services_company", "reviewed"
    answers = json.loads((dist / "answers.json").read_text())
    assert {
        r["positioning"]: r["hosts"] for r in answers["hosts-by-positioning"]
    } == positioning.value_counts().to_dict()
    got = {r["source"]: r["hosts"] for r in answers["qualification-sources"] if r["axis"] == "positioning"}
    assert got == source.value_counts().to_dict()
    counts = source.value_counts()
    assert (
        f"Positioning qualified by: a person {counts.get('reviewed', 0)}, the registry 0, rules {counts.get('rule', 0)};"
        f" unknown {counts.get('unknown', 0)}"
    ) in result.output
    nat_kept = proposals["nationality_strength"].isin(["medium", "strong"]) & (proposals["nationality"] != "")
    nationality = proposals["nationality"].where(nat_kept, "unknown").value_counts().to_dict()
    assert {r["nationality"]: r["hosts"] for r in answers["hosts-by-nationality"]} == nationality
    # In the graph: filterable sources, the rule and its evidence, the links.
    g = rdflib.Graph().parse(dist / "hds.nt", format="nt")
    rows = g.query(
        """PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
        SELECT ?name ?rule ?strength WHERE { ?h hds:positioningSource "rule" ; hds:positioningRule ?rule ;
        hds:positioningStrength ?strength ; hds:positioningEvidence ?e ; <http://www.w3.org/ns/regorg#legalName> ?name }"""
    )
    expected = proposals[kept & ~theta]
    assert {(str(n), str(r), str(s)) for n, r, s in rows} == set(
        zip(expected["host"], expected["positioning_source"], expected["positioning_strength"], strict=True)
    )
    who = g.query(
        """PREFIX hds: <https://w3id.org/hdsgraph/ontology#>
        SELECT ?by ?on WHERE { ?h hds:positioningSource "reviewed" ; hds:reviewedBy ?by ; hds:reviewedOn ?on }"""
    )
    assert [(str(b), str(o)) for b, o in who] == [("B. Relecteur", "2026-12-01")]
    org = rdflib.Namespace("http://www.w3.org/ns/org#")
    parents = {str(o) for o in g.objects(None, org.subOrganizationOf)}
    assert parents == {
        "https://rdf.gleif.org/L1/L-969500FICTIVEETA0001",
        "https://rdf.gleif.org/L1/L-5493FICTIVECLOUDIN01",
        "http://www.wikidata.org/entity/Q990002",
    }
    same_as = {str(o) for o in g.objects(None, rdflib.OWL.sameAs)}
    assert {"https://rdf.gleif.org/L1/L-969500FICTIVETHETA01", "http://www.wikidata.org/entity/Q990001"} <= same_as
    sirens = set(proposals.loc[proposals["siren"] != "", "siren"])
    see_also = {str(o).rsplit("/", 1)[1] for o in g.objects(None, rdflib.RDFS.seeAlso)}
    assert see_also == sirens
    void = (dist / "void.ttl").read_text()
    assert "linkset-gleif" in void and "linkset-parent-wikidata" in void and "linkset-annuaire" in void


def test_min_strength_weak_takes_the_weak_proposals_too(qualified):
    tmp_path, registry, out, _, _ = qualified
    dist = tmp_path / "dist-weak"
    result = CliRunner().invoke(
        cli,
        ["build", "--registry", str(registry), "--proposals", str(out), "--min-strength", "weak", "--out", str(dist)],
    )
    assert result.exit_code == 0, result.output
    import pandas as pd

    proposals = pd.read_csv(out, dtype=str, keep_default_na=False)
    known = proposals["nationality"].where(proposals["nationality"] != "", "unknown").value_counts().to_dict()
    answers = json.loads((dist / "answers.json").read_text())
    assert {r["nationality"]: r["hosts"] for r in answers["hosts-by-nationality"]} == known


def test_a_build_is_qualified_like_its_registry(qualified):
    tmp_path, registry, out, standins, _ = qualified
    dist = tmp_path / "dist-plain"
    assert CliRunner().invoke(cli, ["build", "--registry", str(registry), "--out", str(dist)]).exit_code == 0
    again = tmp_path / "from-build.csv"
    result = CliRunner().invoke(
        cli,
        ["qualify", "--registry", str(dist), "--cache", str(tmp_path / "cache"), "--out", str(again), "--offline"]
        + options(standins),
    )
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == out.read_bytes()


def test_no_progress_bar_off_a_terminal(qualified):
    # CliRunner's stderr is not a terminal: the output is the summary alone
    lines = qualified[4].output.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Positioning", "Nationality", f"Wrote {qualified[2]}"]


def test_the_progress_bar_on_a_terminal_counts_the_steps():
    from hdsgraph.cli.qualify import _progress

    shown = _progress(False)
    with shown as progress:
        progress(1, 4)
        progress(3, 4)
    [task] = shown.bar.tasks
    assert (task.completed, task.total) == (3, 4)
    with _progress(True) as progress:
        assert progress is None
