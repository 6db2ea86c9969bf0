"""Per-item scores -> per-fold figures, mean ± sd across folds, and patient-level bootstrap intervals.

Every figure medqa reports is a ratio of sums over items (ROUGE: sum of F / items; finding F1:
2TP / (2TP + FP + FN); accuracy: correct / labelled), so one matrix of per-item components
(`medqa.eval.metrics.COMPONENTS`) gives them all, for every question type at once.

The bootstrap resamples patients, not items (a patient's films and turns are not independent),
within each fold (the folds are the design): replicate b draws each fold's patients with
replacement, recomputes each fold's figure from the drawn patients' summed components, and averages
over folds as the point figure does. Counts of draws x patient sums is one matrix product per
fold, so thousands of replicates over the full dataset take about a second. The draws depend only
on the seed, the fold and that fold's patient ids, so two models scored on the same items see the
same replicates: `compare` reads their difference replicate by replicate (a paired bootstrap).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from medqa.eval.metrics import COMPONENTS, METRICS

_C = {name: i for i, name in enumerate(COMPONENTS)}


def _weights() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    num, den = np.zeros((len(COMPONENTS), len(METRICS))), np.zeros((len(COMPONENTS), len(METRICS)))
    empty = np.zeros(len(METRICS))
    for j, (n, d, e) in enumerate(METRICS.values()):
        for name, w in n.items():
            num[_C[name], j] = w
        for name, w in d.items():
            den[_C[name], j] = w
        empty[j] = e
    return num, den, empty


_NUM, _DEN, _EMPTY = _weights()


@dataclass
class ItemScores:
    """Per-item components of one model's predictions over the evaluated folds (rows aligned by `keys`)."""

    keys: np.ndarray  # "<record id>#<turn>"
    folds: np.ndarray  # int
    patients: np.ndarray  # patient id (uid)
    qtypes: np.ndarray
    values: np.ndarray  # items x COMPONENTS

    def aligned_to(self, keys: np.ndarray) -> ItemScores:
        """The same scores reordered to `keys`; an error when the two sets of items differ."""
        index = {k: i for i, k in enumerate(self.keys)}
        missing = [k for k in keys if k not in index]
        if missing or len(keys) != len(self.keys):
            raise ValueError(f"the two runs scored different items ({len(self.keys)} vs {len(keys)}; first "
                             f"unmatched: {missing[0] if missing else '?'}): compare runs on the same data and folds")
        order = np.array([index[k] for k in keys])
        return ItemScores(self.keys[order], self.folds[order], self.patients[order], self.qtypes[order],
                          self.values[order])


def _metrics(sums: np.ndarray) -> np.ndarray:
    """(..., C) summed components -> (..., M) figures; a figure with nothing to count is its METRICS default."""
    num, den = sums @ _NUM, sums @ _DEN
    empty = np.broadcast_to(_EMPTY, num.shape)
    return np.divide(num, den, out=np.array(empty, dtype=np.float64), where=den > 0)


def _draws(n_patients: int, samples: int, seed: int, fold: int) -> np.ndarray:
    """samples x patients counts: how often each patient is drawn in each replicate."""
    rng = np.random.default_rng([seed, fold, n_patients])
    picks = rng.integers(0, n_patients, size=(samples, n_patients))
    flat = (picks + (np.arange(samples) * n_patients)[:, None]).ravel()
    return np.bincount(flat, minlength=samples * n_patients).reshape(samples, n_patients).astype(np.float64)


def fold_figures(scores: ItemScores, groups: Sequence[str], samples: int, seed: int) -> tuple[dict, np.ndarray]:
    """({fold: G x M point figures}, F x B x G x M replicate figures) for `groups`: "all", then each qtype."""
    type_index = {t: i for i, t in enumerate(groups)}
    points, reps = {}, []
    for k in sorted(set(scores.folds.tolist())):
        rows = scores.folds == k
        patient_ids, pidx = np.unique(scores.patients[rows], return_inverse=True)
        tidx = np.array([type_index[t] for t in scores.qtypes[rows]])
        sums = np.zeros((len(patient_ids), len(groups), len(COMPONENTS)))
        np.add.at(sums, (pidx, tidx), scores.values[rows])
        sums[:, 0] = sums[:, 1:].sum(1)
        flat = sums.reshape(len(patient_ids), -1)
        points[k] = _metrics(flat.sum(0).reshape(len(groups), -1))
        counts = _draws(len(patient_ids), samples, seed, k)
        reps.append(_metrics((counts @ flat).reshape(samples, len(groups), -1)))
    return points, np.stack(reps)


def summarise_scores(scores: ItemScores, samples: int = 1000, seed: int = 0) -> dict:
    """Point figures per fold, their mean and sd across folds, and bootstrap 95% intervals, for all and per type.

    Returns {"groups": [...], "folds": {k: G x M}, "mean": G x M, "sd": G x M, "ci95": G x M x 2}, arrays
    indexed like `METRICS`; a type a fold lacks is left out of that fold's mean (nan-aware).
    """
    groups = ["all", *sorted(set(scores.qtypes.tolist()))]
    points, reps = fold_figures(scores, groups, samples, seed)
    stacked = np.stack(list(points.values()))
    with warnings.catch_warnings():  # a type missing from a fold: nan there, expected
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(stacked, 0)
        sd = np.nanstd(stacked, 0, ddof=1) if len(points) > 1 else np.full_like(mean, np.nan)
        ci = np.nanpercentile(np.nanmean(reps, 0), [2.5, 97.5], axis=0)
    return {"groups": groups, "folds": points, "mean": mean, "sd": sd, "ci95": np.moveaxis(ci, 0, -1)}


def compare_scores(a: ItemScores, b: ItemScores, samples: int = 1000, seed: int = 0) -> dict:
    """Paired bootstrap of A - B on the same items: {"groups", "diff", "ci95", "p"} (G x M arrays).

    p is two-sided: the share of replicate differences, re-centred on zero, at least as far from
    zero as the observed one ((1 + count) / (1 + samples), so never 0).
    """
    b = b.aligned_to(a.keys)
    groups = ["all", *sorted(set(a.qtypes.tolist()))]
    pa, ra = fold_figures(a, groups, samples, seed)
    pb, rb = fold_figures(b, groups, samples, seed)
    with warnings.catch_warnings():  # a type missing from a fold: nan there, expected
        warnings.simplefilter("ignore", RuntimeWarning)
        diff = np.nanmean(np.stack(list(pa.values())), 0) - np.nanmean(np.stack(list(pb.values())), 0)
        reps = np.nanmean(ra, 0) - np.nanmean(rb, 0)
        ci = np.moveaxis(np.nanpercentile(reps, [2.5, 97.5], axis=0), 0, -1)
        far = np.sum(np.abs(reps - diff) >= np.abs(diff) - 1e-12, axis=0)
    p = (1 + far) / (1 + samples)
    return {"groups": groups, "diff": diff, "ci95": ci, "p": np.where(np.isnan(diff), np.nan, p)}
