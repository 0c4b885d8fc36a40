"""Calibrate synthetic hosts on published figures, and derive earlier snapshots.

Every figure the study prints is met exactly: counts are solved (activity sets built
column by column, positionings and nationalities dealt out in the published numbers),
not searched for at random. Where the study only gives words, the distributions of
``hdsgraph/data/synth.yaml`` fill in.
"""

from __future__ import annotations

import math

import numpy as np

from hdsgraph.study.figures import (
    CalibrationError,
    apportion,
    count_for_share,
    rounds_to,
)
from hdsgraph.study.population import (
    ALL_SIX,
    MANAGED,
    Population,
    _codes,
    _days,
    _draw,
    _fill_attributes,
    _french_only,
    _index,
    add_years,
    params,
    random_population,
)

# ---------------------------------------------------------------- calibration


def _hosts_for(fig: dict, snapshot: str) -> int:
    """The number of hosts: printed, or the one in the printed range nearest its middle
    that lets every printed share come out exactly."""
    if "hosts_total" in fig:
        return int(fig["hosts_total"])
    reading = fig.get("hosts_total_reading")
    if not reading:
        raise CalibrationError(f"the figures for {snapshot} give neither hosts_total nor hosts_total_reading")
    low, high = int(reading[0]), int(reading[1])
    shares = [fig[k] for k in ("all_six_activities_share",) if k in fig]
    shares += [v["share"] for v in (fig.get("nationality") or {}).values() if "share" in v]
    middle = (low + high) / 2
    for n in sorted(range(low, high + 1), key=lambda n: (abs(n - middle), n)):
        if all(count_for_share(s, n) is not None for s in shares):
            return n
    raise CalibrationError(f"no number of hosts in {low}-{high} prints every share given for {snapshot}")


def _share_count(share: float, total: int, what: str, snapshot: str) -> int:
    count = count_for_share(share, total)
    if count is None:
        raise CalibrationError(f"{snapshot}: no count of {total} hosts prints as {what} {share}")
    return count


def _single_hosts(fig: dict, figures: dict, rng) -> list[tuple[str, int]]:
    """(positioning, activity) of each single-activity host. A positioning's activity is
    the one the study states for a named organisation of that positioning certified for
    one activity, else drawn from synth.yaml's single_activity weights."""
    p = params()
    total = int(fig.get("single_activity_hosts", 0))
    stated = {}
    for org in figures.get("named_organisations") or []:
        if org.get("positioning") and len(org.get("activities") or []) == 1:
            stated[org["positioning"]] = int(org["activities"][0])
    singles = []
    for positioning, value in (fig.get("single_activity_detail") or {}).items():
        count = int(value["hosts"] if isinstance(value, dict) else value)
        if positioning in stated:
            singles += [(positioning, stated[positioning])] * count
        else:
            for activity, n in apportion(p.single_activity, count).items():
                singles += [(positioning, activity)] * n
    if len(singles) > total:
        raise CalibrationError(
            f"single_activity_detail lists {len(singles)} hosts, more than the {total} single-activity hosts"
        )
    positionings, _ = _codes()
    extra = total - len(singles)
    for pos, act in zip(_draw(rng, p.positioning, extra), _draw(rng, p.single_activity, extra), strict=False):
        singles.append((positionings[pos], list(p.single_activity)[act]))
    return singles


def _activity_targets(
    fig: dict, n: int, n_six: int, singles: list[tuple[str, int]], middle: int, snapshot: str
) -> list[int] | None:
    """How many middle hosts (2 to 5 activities) each activity needs, or None when the
    figures say nothing of activities."""
    coverage = {int(k): v for k, v in (fig.get("activity_coverage") or {}).items()}
    mean = fig.get("mean_activity_coverage")
    if not coverage and mean is None:
        return None
    base = {a: n_six + sum(1 for _, s in singles if s == a) for a in range(1, 7)}
    given = {
        a: int(v["hosts"]) if "hosts" in v else _share_count(v["share"], n, f"activity {a} share", snapshot)
        for a, v in coverage.items()
    }
    for a, v in coverage.items():
        if "share" in v and not rounds_to(given[a], n, v["share"]):
            raise CalibrationError(f"{snapshot}: activity {a}: {given[a]} hosts of {n} do not print as {v['share']}")
    free = [a for a in range(1, 7) if a not in given]
    if mean is not None:
        pairs = _share_count(mean, 6 * n, "mean activity coverage", snapshot)
        rest = pairs - sum(given.values())
        given.update(apportion({a: 1 for a in free}, rest) if free else {})
        if not free and rest != 0:
            raise CalibrationError(f"{snapshot}: the six activity counts do not give the mean coverage {mean}")
    else:
        weights = params().activity_sets
        for a in free:  # as often as the drawn sets would have it
            share = sum(w for m, w in weights.items() if m >> (a - 1) & 1 and 1 < bin(m).count("1") < 6)
            share /= sum(w for m, w in weights.items() if 1 < bin(m).count("1") < 6)
            given[a] = base[a] + round(share * middle)
    targets = [given[a] - base[a] for a in range(1, 7)]
    if any(t < 0 or t > middle for t in targets) or not 2 * middle <= sum(targets) <= 5 * middle:
        raise CalibrationError(
            f"{snapshot}: activity counts {[given[a] for a in range(1, 7)]} cannot be met with {n_six} hosts on all "
            f"six, {len(singles)} on one and {middle} on two to five"
        )
    return targets


def _middle_masks(rng, middle: int, targets: list[int]) -> np.ndarray:
    """Sets of 2 to 5 activities whose column counts are exactly ``targets``.

    Row sizes are drawn, then nudged to the right total; each row takes the activities
    that still need the most hosts (Ryser's construction), ties broken at random.
    """
    sizes = rng.choice([2, 3, 4, 5], size=middle, p=[0.15, 0.3, 0.4, 0.15])
    gap = sum(targets) - int(sizes.sum())
    while gap:
        step = 1 if gap > 0 else -1
        room = np.flatnonzero(sizes < 5) if step > 0 else np.flatnonzero(sizes > 2)
        sizes[rng.choice(room)] += step
        gap -= step
    remaining = list(targets)
    masks = []
    for size in sorted(sizes.tolist(), reverse=True):
        tie = rng.permutation(6)
        chosen = sorted(range(6), key=lambda a: (-remaining[a], tie[a]))[:size]
        if any(remaining[a] <= 0 for a in chosen):
            raise CalibrationError(f"no sets of 2-5 activities give the activity counts {targets}")
        for a in chosen:
            remaining[a] -= 1
        masks.append(sum(1 << a for a in chosen))
    return rng.permutation(np.array(masks, dtype=np.uint8))


def _positioning_counts(fig: dict, n: int, singles: list[tuple[str, int]], snapshot: str) -> dict[str, int]:
    p = params()
    positionings, _ = _codes()
    given = {k: int(v) for k, v in (fig.get("positioning_counts") or {}).items()}
    for code in given:
        _index(positionings, code, "positioning")
    needed = {code: sum(1 for s, _ in singles if s == code) for code in positionings}
    rest = n - sum(given.values())
    if rest < 0:
        raise CalibrationError(f"{snapshot}: the positioning counts add up to more than {n} hosts")
    others = {c: w for c, w in p.positioning.items() if c not in given}
    counts = given | apportion(others, rest)
    for code in positionings:  # a single-activity insurer needs an insurer
        while counts.get(code, 0) < needed[code]:
            donors = [c for c in others if counts[c] > needed[c] and c != code]
            if code in given or not donors:
                raise CalibrationError(
                    f"{snapshot}: {needed[code]} single-activity hosts are {code}, "
                    f"but only {counts.get(code, 0)} hosts are"
                )
            donor = max(donors, key=lambda c: (counts[c] - needed[c], -positionings.index(c)))
            counts[donor] -= 1
            counts[code] = counts.get(code, 0) + 1
    return {c: counts.get(c, 0) for c in positionings}


def _nationality_counts(fig: dict, n: int, snapshot: str) -> dict[str, int] | None:
    given_figures = fig.get("nationality") or {}
    if not given_figures:
        return None
    _, nationalities = _codes()
    given = {}
    for code, value in given_figures.items():
        _index(nationalities, code, "nationality")
        if "hosts" in value:
            given[code] = int(value["hosts"])
        elif "share" in value:
            given[code] = _share_count(value["share"], n, f"{code} share", snapshot)
        elif "share_reading" in value:
            low, high = value["share_reading"]
            given[code] = min(
                range(math.ceil(low * n), math.floor(high * n) + 1), key=lambda c: (abs(c - (low + high) / 2 * n), c)
            )
    others = {c: w for c, w in params().nationality.items() if c not in given}
    rest = n - sum(given.values())
    if rest < 0:
        raise CalibrationError(f"{snapshot}: the nationality counts add up to more than {n} hosts")
    return {c: (given | apportion(others, rest)).get(c, 0) for c in nationalities}


def _assign_nationality(rng, positioning: np.ndarray, counts: dict[str, int], snapshot: str) -> np.ndarray:
    """Exactly ``counts`` hosts of each nationality; public French bodies are French."""
    _, nationalities = _codes()
    french = _french_only(positioning)
    fr = nationalities.index("FR")
    if counts["FR"] < int(french.sum()):
        raise CalibrationError(
            f"{snapshot}: {int(french.sum())} hosts are French public bodies, more than the {counts['FR']} French hosts"
        )
    pool = np.repeat(np.arange(len(nationalities)), [counts[c] for c in nationalities])
    pool = np.delete(pool, np.flatnonzero(pool == fr)[: int(french.sum())])
    nationality = np.full(len(positioning), fr, dtype=np.int16)
    nationality[~french] = rng.permutation(pool)
    return nationality


def calibrated_population(rng, fig: dict, figures: dict, snapshot: str, ref: np.datetime64) -> Population:
    """The hosts of one snapshot, meeting every figure given for it exactly."""
    positionings, _ = _codes()
    n = _hosts_for(fig, snapshot)
    n_six = (
        _share_count(fig["all_six_activities_share"], n, "all-six share", snapshot)
        if "all_six_activities_share" in fig
        else None
    )
    singles = _single_hosts(fig, figures, rng)
    if n_six is None:
        n_six = round(params().activity_sets[ALL_SIX] / sum(params().activity_sets.values()) * n)
    middle = n - n_six - len(singles)
    if middle < 0:
        raise CalibrationError(f"{snapshot}: {n_six} hosts on all six and {len(singles)} on one exceed {n} hosts")
    targets = _activity_targets(fig, n, n_six, singles, middle, snapshot)
    if targets is not None:
        middle_masks = _middle_masks(rng, middle, targets)
    else:
        weights = {m: w for m, w in params().activity_sets.items() if 1 < bin(m).count("1") < 6}
        middle_masks = np.array(list(weights), dtype=np.uint8)[_draw(rng, weights, middle)]
    masks = np.concatenate(
        [np.full(n_six, ALL_SIX, np.uint8), np.array([1 << (a - 1) for _, a in singles], np.uint8), middle_masks]
    )

    counts = _positioning_counts(fig, n, singles, snapshot)
    single_positions = np.array([positionings.index(s) for s, _ in singles], dtype=np.int16)
    left = dict(counts)
    for s, _ in singles:
        left[s] -= 1
    pool = np.repeat(np.arange(len(positionings)), [left[c] for c in positionings])
    positioning = np.empty(n, dtype=np.int16)
    others = np.r_[np.arange(n_six), np.arange(n_six + len(singles), n)]
    positioning[others] = rng.permutation(pool)
    positioning[n_six : n_six + len(singles)] = single_positions

    nationality_counts = _nationality_counts(fig, n, snapshot)
    if nationality_counts is None:
        nationality = _draw(rng, params().nationality, n)
        nationality[_french_only(positioning)] = _codes()[1].index("FR")
    else:
        nationality = _assign_nationality(rng, positioning, nationality_counts, snapshot)

    order = rng.permutation(n)  # so that host numbers say nothing of the category
    population = _fill_attributes(rng, n, positioning[order], nationality[order], masks[order], ref, 1)
    bodies = int(fig.get("certification_bodies_habilitated") or 0)
    if bodies:
        _use_bodies(rng, population, bodies, snapshot)
    return population


def _use_bodies(rng, population: Population, bodies: int, snapshot: str) -> None:
    """Exactly ``bodies`` certification bodies certify the hosts, each at least one."""
    if bodies > len(params().bodies):
        raise CalibrationError(
            f"{snapshot}: {bodies} certification bodies, but synth.yaml names only {len(params().bodies)}"
        )
    weights = dict(list(params().bodies.items())[:bodies])
    population.body_physical[:] = _draw(rng, weights, len(population))
    population.body_managed[:] = _draw(rng, weights, len(population))
    # the body named on each host's managed-services (or only) certificate
    shown = np.where((population.mask & MANAGED) != 0, population.body_managed, population.body_physical)
    for body in range(bodies):
        if not (shown == body).any():
            busiest = np.bincount(shown, minlength=bodies).argmax()
            host = rng.choice(np.flatnonzero(shown == busiest))
            population.body_managed[host] = population.body_physical[host] = body
            shown[host] = body


# ---------------------------------------------------------------- history

POPCOUNT = np.array([bin(m).count("1") for m in range(64)], dtype=np.int8)
SIX, SINGLE, MIDDLE = 0, 1, 2


def _category(mask: np.ndarray) -> np.ndarray:
    count = POPCOUNT[mask]
    return np.where(count == 6, SIX, np.where(count == 1, SINGLE, MIDDLE))


def as_of(issue: np.ndarray, ref: np.datetime64) -> np.ndarray:
    """The certificate in force on ``ref`` of a host whose current one was issued on
    ``issue``: the same, or the one it renewed (three years earlier, as often as needed)."""
    issue = issue.copy()
    late = issue >= ref
    while late.any():
        issue[late] = add_years(issue[late], -3)
        late = issue >= ref
    return issue


def earlier_population(
    rng,
    later: Population,
    fig: dict | None,
    snapshot: str,
    ref: np.datetime64,
    later_ref: np.datetime64,
    next_number: int,
    monthly: bool = False,
) -> Population:
    """The hosts of an earlier snapshot: most still listed in ``later``, a few lapsed since.

    Some continuing hosts were certified for fewer activities then (their physical
    certificate came later). With figures, the counts of hosts, of hosts on all six
    activities and on one, and of French hosts come out exactly. ``monthly``: the
    snapshots are a month apart, and fewer hosts lapse or change in between.
    """
    history = params().history
    _, nationalities = _codes()
    fr = nationalities.index("FR")
    n = _hosts_for(fig, snapshot) if fig else max(1, round(len(later) * history["earlier_size"]))
    lapsed = round(n * history["monthly_lapsed" if monthly else "lapsed"])
    continuing = min(n - lapsed, len(later))
    lapsed = n - continuing
    extended = round(continuing * history["monthly_extended" if monthly else "extended"])
    category = _category(later.mask)
    fig = fig or {}

    if "all_six_activities_share" in fig or "single_activity_hosts" in fig:
        n_six = (
            _share_count(fig["all_six_activities_share"], n, "all-six share", snapshot)
            if "all_six_activities_share" in fig
            else round(n * 0.57)
        )
        n_single = int(fig.get("single_activity_hosts", round(n * 0.04)))
        lap = apportion({SIX: n_six, SINGLE: n_single, MIDDLE: n - n_six - n_single}, lapsed)
        want = {SIX: n_six - lap[SIX] + extended, SINGLE: n_single - lap[SINGLE]}
        want[MIDDLE] = continuing - want[SIX] - want[SINGLE]
        for k, name in ((SIX, "on all six activities"), (SINGLE, "on one activity"), (MIDDLE, "on two to five")):
            available = int((category == k).sum())
            if not 0 <= want[k] <= available:
                raise CalibrationError(
                    f"{snapshot}: needs {want[k]} continuing hosts {name}, the later snapshot has {available}"
                )
        chosen = {k: rng.choice(np.flatnonzero(category == k), want[k], replace=False) for k in (SIX, SINGLE, MIDDLE)}
    else:
        lap = None
        picked = rng.choice(len(later), continuing, replace=False)
        chosen = {k: picked[category[picked] == k] for k in (SIX, SINGLE, MIDDLE)}
    selected = np.zeros(len(later), dtype=bool)
    for k in chosen:
        selected[chosen[k]] = True
    grown = rng.choice(chosen[SIX], min(extended, len(chosen[SIX])), replace=False)

    fr_target = None
    nationality_counts = _nationality_counts(fig, n, snapshot)
    if nationality_counts is not None:
        fr_target = nationality_counts["FR"]
        low, high = max(0, fr_target - lapsed), min(fr_target, continuing)
        french = later.nationality == fr
        _swap_to_french(rng, selected, french, category, set(grown.tolist()), low, high, snapshot)

    index = np.flatnonzero(selected)
    kept = later.take(index)
    # a grown host held only its managed-services certificate then; its physical one is
    # new, issued between the two snapshots
    grown_here = np.isin(index, grown)
    kept.mask[grown_here] = MANAGED
    later.two_certificates[grown] = True
    span = _days(later_ref - ref)
    later.issue_physical[grown] = ref + rng.integers(1, max(span, 2), size=len(grown))
    kept.issue_physical = as_of(kept.issue_physical, ref)
    kept.issue_managed = as_of(kept.issue_managed, ref)

    masks = _lapsed_masks(rng, lap, lapsed)
    fr_lapsed = None if fr_target is None else fr_target - int((kept.nationality == fr).sum())
    gone = _lapsed_population(rng, lapsed, masks, fr_lapsed, ref, later_ref, next_number)
    return Population.concat([kept, gone])


def _swap_to_french(rng, selected, french, category, frozen, low, high, snapshot) -> None:
    """Swap continuing hosts for others of the same category until low <= French <= high."""
    count = int((selected & french).sum())
    while count > high or count < low:
        too_many = count > high
        for k in rng.permutation(3):
            out = [i for i in np.flatnonzero(selected & (french == too_many) & (category == k)) if i not in frozen]
            into = np.flatnonzero(~selected & (french != too_many) & (category == k))
            if out and len(into):
                selected[out[0]], selected[into[0]] = False, True
                count += -1 if too_many else 1
                break
        else:
            raise CalibrationError(f"{snapshot}: cannot pick continuing hosts with the French share asked")


def _lapsed_masks(rng, lap: dict | None, size: int) -> np.ndarray:
    p = params()
    if lap is None:
        return np.array(list(p.activity_sets), dtype=np.uint8)[_draw(rng, p.activity_sets, size)]
    middle = {m: w for m, w in p.activity_sets.items() if 1 < POPCOUNT[m] < 6}
    singles = np.array([1 << (a - 1) for a in p.single_activity], dtype=np.uint8)
    return rng.permutation(
        np.concatenate(
            [
                np.full(lap[SIX], ALL_SIX, np.uint8),
                singles[_draw(rng, p.single_activity, lap[SINGLE])],
                np.array(list(middle), dtype=np.uint8)[_draw(rng, middle, lap[MIDDLE])],
            ]
        )
    )


def _lapsed_population(rng, size, masks, french, ref, later_ref, first_number) -> Population:
    """Hosts listed earlier only: their certificates expired before the later snapshot."""
    p = params()
    positionings, nationalities = _codes()
    if french is None:
        return random_population(rng, size, ref, first_number, later_ref, masks)
    fr = nationalities.index("FR")
    abroad = {c: w for c, w in p.nationality.items() if c != "FR"}
    nationality = np.concatenate(
        [
            np.full(french, fr),
            [nationalities.index(c) for c in np.array(list(abroad))[_draw(rng, abroad, size - french)]],
        ]
    ).astype(np.int16)
    nationality = rng.permutation(nationality)
    private = {c: w for c, w in p.positioning.items() if c not in p.french_only}
    positioning = np.where(
        nationality == fr,
        _draw(rng, p.positioning, size),
        [positionings.index(c) for c in np.array(list(private))[_draw(rng, private, size)]] if size else [],
    )
    return _fill_attributes(rng, size, positioning, nationality, masks, ref, first_number, later_ref)
