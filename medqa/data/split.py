"""Patient-level k-fold split: every image and every Q&A of one report (uid) lands in one fold."""

from __future__ import annotations

import random
from collections.abc import Iterable


def assign_folds(uids: Iterable[str], k: int = 5, seed: int = 0) -> dict[str, int]:
    """Map each distinct uid to a fold in 0..k-1, deterministic for a seed and balanced to within one."""
    if k < 2:
        raise ValueError(f"--folds must be at least 2, got {k}")
    # Sort first so the result does not depend on input order, then shuffle with the seed.
    ordered = sorted(set(uids), key=lambda u: (len(u), u))
    random.Random(seed).shuffle(ordered)
    return {uid: i % k for i, uid in enumerate(ordered)}


def parse_folds(spec: str | int | Iterable[int], k: int = 5) -> list[int]:
    """Parse '0-4', '0,2,3' or '1' into a sorted list of fold numbers, each in range."""
    if isinstance(spec, int):
        folds = [spec]
    elif isinstance(spec, str):
        folds = []
        for part in spec.replace(" ", "").split(","):
            if not part:
                continue
            lo, _, hi = part.partition("-")
            if not lo.isdigit() or (hi and not hi.isdigit()):
                raise ValueError(f"bad fold list {spec!r}: use e.g. '0-4' or '0,2'")
            folds.extend(range(int(lo), int(hi or lo) + 1))
    else:
        folds = list(spec)
    bad = [f for f in folds if not 0 <= f < k]
    if bad or not folds:
        raise ValueError(f"fold(s) {bad or spec} out of range: this dataset has folds 0-{k - 1}")
    return sorted(set(folds))
