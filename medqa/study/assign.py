"""Who rates what, in which order, with which answer on which side: a pure function of the study and its seed.

Items are (case, arm) for single-answer designs and (case, pair of arms) for pairwise designs
(every pair of arms for every case). Each item goes to `raters_per_case` raters: those who have
not yet seen that case first (so a rater never compares two arms of one case across their
queue), then the least loaded, ties broken at random. Each rater's queue is shuffled. A pairwise
item's A/B sides are balanced (medqa.study.sides): for each pair of arms, every rater sees each
arm as A equally often, and so does every case, give or take one; which arm starts as A is at
random. So position says nothing about the model, and a rater's side preference falls on both
arms alike. The same study file and seed always give the same plan.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from medqa.study.sides import balanced_sides


def plan_assignments(case_ids: Sequence[str], arm_ids: Sequence[str], rater_ids: Sequence[str], design: str,
                     raters_per_case: int, seed: int) -> list[dict]:
    """[{rater_id, position (1-based), case_id, arm_a, arm_b ('' for single)}], each rater's queue in order."""
    rng = random.Random(f"medqa-study-{seed}")
    if design == "pairwise":
        items = [(c, a, b) for c in case_ids for a, b in itertools.combinations(arm_ids, 2)]
    else:
        items = [(c, a, "") for c in case_ids for a in arm_ids]
    rng.shuffle(items)
    load = dict.fromkeys(rater_ids, 0)
    seen: dict[str, set] = {r: set() for r in rater_ids}
    queues: dict[str, list] = {r: [] for r in rater_ids}
    for case_id, arm_a, arm_b in items:
        order = sorted(rater_ids, key=lambda r: (case_id in seen[r], load[r], rng.random()))
        for rater in order[:raters_per_case]:
            load[rater] += 1
            seen[rater].add(case_id)
            queues[rater].append((case_id, arm_a, arm_b))
    if design == "pairwise":
        _balance_sides(queues, rng)
    plan = []
    for rater in rater_ids:
        queue = queues[rater]
        rng.shuffle(queue)
        plan += [{"rater_id": rater, "position": k + 1, "case_id": c, "arm_a": a, "arm_b": b}
                 for k, (c, a, b) in enumerate(queue)]
    return plan


def _balance_sides(queues: dict[str, list], rng: random.Random) -> None:
    """Swap A and B in the queues (in place) so each arm pair is balanced per rater and per case."""
    by_pair: dict[tuple, list[tuple[str, int]]] = {}
    for rater, queue in queues.items():
        for k, (_, arm_a, arm_b) in enumerate(queue):
            by_pair.setdefault((arm_a, arm_b), []).append((rater, k))
    for (first, second), where in sorted(by_pair.items()):
        edges = [(rater, queues[rater][k][0]) for rater, k in where]
        for (rater, k), first_is_a in zip(where, balanced_sides(edges, rng), strict=True):
            case_id = queues[rater][k][0]
            queues[rater][k] = (case_id, first, second) if first_is_a else (case_id, second, first)
