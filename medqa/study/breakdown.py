"""The report's checks beyond the per-arm figures: per-rater tables, side balance, position bias, comments.

- Side balance: how often each arm was shown as A, per rater, from the plan (what raters were
  given, judged or not): a reader of the report can see position was not tied to an arm.
- Position bias: among decisive preferences (A or B better, not tie or both bad), the share that
  chose the answer shown as A, with a two-sided exact binomial test against one half (scipy), over
  everyone and per rater. Sides are balanced, so a bias towards A adds noise, not a tilt between
  arms; the test says whether it is there.
- Per rater: judgements, mean scores per arm, and for pairwise studies their preferences by arm.
- Comments: every non-empty comment, once per judged assignment, with rater and case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from medqa.study.schema import SCORES


def side_balance(assignments: Sequence[dict], arms: Sequence[str]) -> list[dict]:
    """Per rater: {'rater_id', 'shown_as_a': {arm: n}, 'pairs': n} over their pairwise assignments."""
    out: dict[str, dict] = {}
    for a in assignments:
        if not a.get("arm_b"):
            continue
        entry = out.setdefault(a["rater_id"], {"rater_id": a["rater_id"], "shown_as_a": dict.fromkeys(arms, 0),
                                               "pairs": 0})
        entry["shown_as_a"][a["arm_a"]] += 1
        entry["pairs"] += 1
    return list(out.values())


def _binomial(chose_a: int, decisive: int) -> dict:
    from scipy.stats import binomtest

    entry = {"decisive": decisive, "chose_a": chose_a, "share_a": chose_a / decisive if decisive else None,
             "p_value": None}
    if decisive:
        entry["p_value"] = float(binomtest(chose_a, decisive, 0.5, alternative="two-sided").pvalue)
    return entry


def position_bias(rows: Sequence[dict]) -> dict:
    """{'all': {...}, 'raters': {rater: {...}}}: decisive preferences, how many chose side A, share and p-value."""
    seen: set = set()
    overall, per_rater = [0, 0], defaultdict(lambda: [0, 0])
    for r in rows:
        if r["shown_as"] != "A" or not r.get("preference") or r["assignment_id"] in seen:
            continue
        seen.add(r["assignment_id"])
        if r["preference"] in ("tie", "both_bad"):
            continue
        chose_a = int(r["preference"] == r["arm_id"])  # this row is the answer shown as A
        for counts in (overall, per_rater[r["rater_id"]]):
            counts[0] += chose_a
            counts[1] += 1
    return {"all": _binomial(*overall), "raters": {k: _binomial(*v) for k, v in sorted(per_rater.items())}}


def per_rater(rows: Sequence[dict], arms: Sequence[str]) -> list[dict]:
    """Per rater: judgements, and per arm the number and mean of each score; pairwise: preferred arm counts."""
    by_rater: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_rater[r["rater_id"]].append(r)
    out = []
    for rater, mine in sorted(by_rater.items(), key=lambda kv: (kv[1][0].get("rater_number") or 0, kv[0])):
        entry = {"rater_id": rater, "judgements": len(mine), "arms": {}}
        for arm in arms:
            theirs = [r for r in mine if r["arm_id"] == arm]
            entry["arms"][arm] = {"n": len(theirs), **{s: (sum(r[s] for r in theirs) / len(theirs) if theirs else None)
                                                       for s in SCORES}}
        prefs = {r["assignment_id"]: r["preference"] for r in mine if r.get("preference")}
        if prefs:
            entry["preferences"] = {**{arm: sum(p == arm for p in prefs.values()) for arm in arms},
                                    "tie": sum(p == "tie" for p in prefs.values()),
                                    "both_bad": sum(p == "both_bad" for p in prefs.values())}
        out.append(entry)
    return out


def comments(rows: Sequence[dict]) -> list[dict]:
    """Every non-empty comment once per assignment: rater, case number, queue position, the text."""
    seen, out = set(), []
    for r in rows:
        text = (r.get("comment") or "").strip()
        if text and r["assignment_id"] not in seen:
            seen.add(r["assignment_id"])
            out.append({"rater_id": r["rater_id"], "case_number": r["case_number"], "position": r["position"],
                        "comment": text})
    return out
