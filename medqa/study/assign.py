"""Who rates what, in which order, with which answer on which side: a pure function of the study and its seed.

Items are (case, arm) for single-answer designs and (case, pair of arms) for pairwise designs
(every pair of arms for every case). Each item goes to `raters_per_case` raters: those who have
not yet seen that case first (so a rater never compares two arms of one case across their
queue), then the least loaded, ties broken at random. Each rater's queue is shuffled, and each
pairwise item's A/B sides are a coin flip per rater, so position says nothing about the model.
The same study file and seed always give the same plan.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence


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
            sides = (arm_a, arm_b) if not arm_b or rng.random() < 0.5 else (arm_b, arm_a)
            queues[rater].append((case_id, *sides))
    plan = []
    for rater in rater_ids:
        queue = queues[rater]
        rng.shuffle(queue)
        plan += [{"rater_id": rater, "position": k + 1, "case_id": c, "arm_a": a, "arm_b": b}
                 for k, (c, a, b) in enumerate(queue)]
    return plan
