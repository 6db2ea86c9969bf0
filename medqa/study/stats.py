"""The study's statistics, from well-kept libraries: scipy, statsmodels and krippendorff.

- Per-arm means (and error-type rates) with patient-level bootstrap 95% intervals: the patient
  is the resampled unit (scipy.stats.bootstrap over per-patient sums and counts, percentile
  method), because one patient's images and questions are not independent.
- Pairwise win rates, and Bradley-Terry strengths with Wald 95% intervals: a binomial GLM
  (statsmodels) on the comparison design, the first arm fixed at 0. A tie or "both bad" counts
  half a win to each side, as in Chatbot Arena's ratings (so both shrink strengths towards each
  other; neither is dropped). The report states this beside the table.
- Agreement: Krippendorff's alpha (ordinal) for the 1-5 scores; for categorical judgements
  (preference, each error type) Cohen's kappa when the study has two raters, else Fleiss' kappa
  over the units rated by the most common number of raters (statsmodels).
A figure that cannot be computed (one patient, no unit rated twice, an arm that always wins)
is None with a `reason` code (the report says it in words) and for some a `note`, never a made-up number.
"""

from __future__ import annotations

import itertools
import warnings
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from medqa.study.schema import ERROR_TYPES, SCORES

BOOTSTRAP_RESAMPLES = 2000


def bootstrap_mean(values: Sequence[float], patients: Sequence[str], seed: int = 0) -> dict:
    """{'mean', 'low', 'high', 'n', 'patients'}: the mean of `values` with a patient-level bootstrap 95% CI."""
    from scipy.stats import bootstrap

    values = np.asarray(values, dtype=float)
    out = {"mean": float(values.mean()) if len(values) else None, "low": None, "high": None, "n": int(len(values))}
    sums, counts = defaultdict(float), defaultdict(int)
    for value, patient in zip(values, patients, strict=True):
        sums[patient] += value
        counts[patient] += 1
    out["patients"] = len(sums)
    if len(sums) < 2:
        return out | {"note": "fewer than 2 patients: no interval", "reason": "one_patient"}
    keys = sorted(sums)
    data = (np.array([sums[k] for k in keys]), np.array([counts[k] for k in keys], dtype=float))
    res = bootstrap(data, lambda s, c, axis=-1: s.sum(axis=axis) / c.sum(axis=axis), paired=True, vectorized=True,
                    n_resamples=BOOTSTRAP_RESAMPLES, confidence_level=0.95, method="percentile",
                    rng=np.random.default_rng(seed))
    return out | {"low": float(res.confidence_interval.low), "high": float(res.confidence_interval.high)}


def arm_summaries(rows: Sequence[dict], arms: Sequence[str], seed: int = 0) -> list[dict]:
    """Per arm: n judgements, each score's mean and CI, each error type's rate and CI."""
    out = []
    for arm in arms:
        mine = [r for r in rows if r["arm_id"] == arm]
        patients = [r["patient"] for r in mine]
        entry = {"arm_id": arm, "n": len(mine), "patients": len(set(patients))}
        for score in SCORES:
            entry[score] = bootstrap_mean([r[score] for r in mine], patients, seed)
        for error in ERROR_TYPES:
            entry[f"err_{error}"] = bootstrap_mean([r[f"err_{error}"] for r in mine], patients, seed)
        out.append(entry)
    return out


# -- pairwise ---------------------------------------------------------------------------------------
def comparisons(rows: Sequence[dict]) -> list[tuple[str, str, str]]:
    """One (arm shown as A, arm shown as B, outcome) per pairwise assignment; outcome is an arm, tie or both_bad."""
    by_assignment: dict[int, dict] = defaultdict(dict)
    for r in rows:
        if r.get("preference"):
            by_assignment[r["assignment_id"]][r["shown_as"]] = r
    out = []
    for pair in by_assignment.values():
        if "A" in pair and "B" in pair:
            out.append((pair["A"]["arm_id"], pair["B"]["arm_id"], pair["A"]["preference"]))
    return out


def win_rates(comps: Sequence[tuple[str, str, str]], arms: Sequence[str]) -> list[dict]:
    """Per unordered pair of arms (in study order): n, wins of each, ties, both bad, and each side's win rate."""
    out = []
    for a, b in itertools.combinations(arms, 2):
        mine = [c for c in comps if {c[0], c[1]} == {a, b}]
        outcomes = [c[2] for c in mine]
        n = len(mine)
        entry = {"arm_a": a, "arm_b": b, "n": n, "wins_a": outcomes.count(a), "wins_b": outcomes.count(b),
                 "ties": outcomes.count("tie"), "both_bad": outcomes.count("both_bad")}
        entry["win_rate_a"] = entry["wins_a"] / n if n else None
        entry["win_rate_b"] = entry["wins_b"] / n if n else None
        out.append(entry)
    return out


def bradley_terry(comps: Sequence[tuple[str, str, str]], arms: Sequence[str]) -> dict:
    """{'strengths': [{arm_id, strength, low, high, se}], 'reference', 'n', 'note'?}; log-odds scale, arms[0] = 0."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    index = {a: i for i, a in enumerate(arms)}
    agg: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for a, b, outcome in comps:
        i, j = sorted((index[a], index[b]))
        win_i = 1.0 if outcome == arms[i] else 0.0 if outcome == arms[j] else 0.5
        agg[(i, j)][0] += win_i
        agg[(i, j)][1] += 1
    empty = {"strengths": [{"arm_id": a, "strength": None, "low": None, "high": None, "se": None} for a in arms],
             "reference": arms[0], "n": len(comps)}
    compared = {k for pair in agg for k in pair}
    if len(arms) < 2 or compared != set(range(len(arms))):
        return empty | {"note": "every arm needs at least one comparison", "reason": "bt_unconnected"}
    design = np.zeros((len(agg), len(arms)))
    share, weight = np.zeros(len(agg)), np.zeros(len(agg))
    for row, ((i, j), (wins, n)) in enumerate(sorted(agg.items())):
        design[row, i], design[row, j], share[row], weight[row] = 1.0, -1.0, wins / n, n
    if np.any((share == 0) | (share == 1)):
        return empty | {"note": "an arm won or lost every comparison with another: strengths are infinite",
                        "reason": "bt_infinite"}
    with warnings.catch_warnings():
        # Shares of 0 or 1 were refused above; an exact fit of aggregated shares is not separation.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # a saturated model has no residual df
        try:
            fit = sm.GLM(share, design[:, 1:], family=sm.families.Binomial(), var_weights=weight).fit()
        except (PerfectSeparationError, np.linalg.LinAlgError) as exc:
            return empty | {"note": f"not estimable: {exc}", "reason": "bt_not_estimable"}
    params, se = np.r_[0.0, fit.params], np.r_[0.0, fit.bse]
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(se))):
        return empty | {"note": "not estimable: the comparisons do not connect every arm", "reason": "bt_unconnected"}
    strengths = [{"arm_id": a, "strength": float(params[k]), "se": float(se[k]) if k else None,
                  "low": float(params[k] - 1.959963984540054 * se[k]) if k else None,
                  "high": float(params[k] + 1.959963984540054 * se[k]) if k else None} for k, a in enumerate(arms)]
    return {"strengths": strengths, "reference": arms[0], "n": len(comps)}


# -- agreement --------------------------------------------------------------------------------------
def krippendorff_ordinal(ratings: dict[tuple, dict[str, float]], raters: Sequence[str]) -> float | None:
    """Krippendorff's alpha (ordinal) over units -> {rater: value}; None when no unit has two ratings."""
    import krippendorff

    units = sorted(ratings, key=str)
    if not any(len(ratings[u]) >= 2 for u in units):
        return None
    matrix = np.array([[ratings[u].get(r, np.nan) for u in units] for r in raters], dtype=float)
    values = np.unique(matrix[~np.isnan(matrix)])
    if len(values) < 2:
        return None  # everyone gave one value everywhere: agreement is undefined (0/0), not perfect
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal",
                                    value_domain=[1, 2, 3, 4, 5]))


def categorical_kappa(ratings: dict[tuple, dict[str, str]], raters: Sequence[str]) -> dict:
    """{'method': 'cohen'|'fleiss', 'kappa', 'units'} for categorical ratings; kappa None when not computable."""
    from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

    categories = sorted({v for unit in ratings.values() for v in unit.values()}, key=str)
    code = {c: k for k, c in enumerate(categories)}
    if len(raters) == 2:
        both = [u for u in ratings.values() if all(r in u for r in raters)]
        table = np.zeros((len(categories), len(categories)))
        for unit in both:
            table[code[unit[raters[0]]], code[unit[raters[1]]]] += 1
        result = {"method": "cohen", "units": len(both), "kappa": None}
        if len(both) >= 2 and len(categories) >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                kappa = cohens_kappa(table, return_results=False)
            result["kappa"] = None if np.isnan(kappa) else float(kappa)
        return result
    counts = [len(u) for u in ratings.values() if len(u) >= 2]
    result = {"method": "fleiss", "units": 0, "kappa": None}
    if not counts or len(categories) < 2:
        return result
    m = max(set(counts), key=lambda c: (counts.count(c), c))
    units = [u for u in ratings.values() if len(u) == m]
    table = np.zeros((len(units), len(categories)))
    for row, unit in enumerate(units):
        for value in unit.values():
            table[row, code[value]] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        kappa = fleiss_kappa(table, method="fleiss")
    return result | {"units": len(units), "kappa": None if np.isnan(kappa) else float(kappa)}


def agreement(rows: Sequence[dict], raters: Sequence[str]) -> dict:
    """Krippendorff's alpha per score; kappa for the preference and each error type."""
    out: dict = {}
    for score in SCORES:
        units: dict[tuple, dict[str, float]] = defaultdict(dict)
        for r in rows:
            units[(r["case_id"], r["arm_id"])][r["rater_id"]] = float(r[score])
        out[score] = _why({"method": "krippendorff_ordinal", "alpha": krippendorff_ordinal(units, raters),
                           "units": sum(len(u) >= 2 for u in units.values())})
    prefs: dict[tuple, dict[str, str]] = defaultdict(dict)
    for r in rows:
        if r.get("preference") and r["shown_as"] == "A":
            prefs[(r["case_id"], tuple(sorted((r["arm_id"], r["other_arm"]))))][r["rater_id"]] = r["preference"]
    if prefs:
        out["preference"] = _why(categorical_kappa(prefs, raters))
    for error in ERROR_TYPES:
        units_e: dict[tuple, dict[str, str]] = defaultdict(dict)
        for r in rows:
            units_e[(r["case_id"], r["arm_id"])][r["rater_id"]] = str(r[f"err_{error}"])
        out[f"err_{error}"] = _why(categorical_kappa(units_e, raters))
    return out


def _why(entry: dict) -> dict:
    """An agreement figure that is None gets its reason: no unit judged by two raters (`no_pairs`), or every
    judgement the same (`one_value`: agreement is 0/0, undefined, not perfect)."""
    if entry.get("alpha", entry.get("kappa")) is None:
        entry["reason"] = "no_pairs" if entry["units"] < (1 if "alpha" in entry else 2) else "one_value"
    return entry
