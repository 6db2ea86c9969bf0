"""SLAKE figures: per-question components under each convention, overall and per content type, with
image-level bootstrap 95% intervals.

Every figure is a ratio of sums over questions (hits / questions of its answer type), so one matrix of
per-question components gives all of them for every group at once, as medqa.eval.bootstrap does for
Open-i. The bootstrap resamples images (a SLAKE image carries about 18 questions in two languages; they are
not independent): replicate b draws the evaluated images with replacement and recomputes every figure from
the drawn images' summed components. The draws depend only on the seed and the number of images, so two
models scored on the same questions see the same replicates.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from medqa.eval.slake_scoring import exact_match, llava_med_closed, llava_med_prf

COMPONENTS = ("n", "closed", "open", "em_closed", "em_open", "yn_n", "yn_hit", "recall_open", "f1_open")
_C = {name: i for i, name in enumerate(COMPONENTS)}
# figure -> (numerator, denominator, convention shown beside it, its source)
FIGURES = {
    "closed_em": ("em_closed", "closed", "exact match", "lmms-eval tasks/slake/utils.py"),
    "open_em": ("em_open", "open", "exact match", "lmms-eval tasks/slake/utils.py"),
    "closed_yesno": ("yn_hit", "yn_n", "yes/no accuracy (English questions)", "LLaVA-Med llava/eval/run_eval.py"),
    "open_recall": ("recall_open", "open", "token recall (CJK characters)", "LLaVA-Med llava/eval/run_eval.py"),
    "open_f1": ("f1_open", "open", "token F1 (CJK characters)", "LLaVA-Med eval_metrics/evaluate_metrics.py"),
}


def question_components(prediction: str, reference: str, answer_type: str, lang: str) -> np.ndarray:
    """The COMPONENTS of one question's prediction: which convention counts it, and its score under each."""
    out = np.zeros(len(COMPONENTS))
    closed = answer_type == "CLOSED"
    em = exact_match(prediction, reference)
    out[_C["n"]] = 1.0
    if closed:
        out[_C["closed"]], out[_C["em_closed"]] = 1.0, em
        if lang == "en":
            out[_C["yn_n"]], out[_C["yn_hit"]] = 1.0, llava_med_closed(prediction, reference)
    else:
        f1, _precision, recall = llava_med_prf(prediction, reference)
        out[_C["open"]], out[_C["em_open"]] = 1.0, em
        out[_C["recall_open"]], out[_C["f1_open"]] = recall, f1
    return out


def _figures(sums: np.ndarray) -> np.ndarray:
    """(..., C) summed components -> (..., F) figures, NaN where the figure counts no question."""
    num = np.stack([sums[..., _C[n]] for n, _, _, _ in FIGURES.values()], -1)
    den = np.stack([sums[..., _C[d]] for _, d, _, _ in FIGURES.values()], -1)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)


def draws(n_clusters: int, samples: int, seed: int) -> np.ndarray:
    """samples x clusters: how often each image is drawn in each replicate."""
    rng = np.random.default_rng([seed, n_clusters])
    picks = rng.integers(0, n_clusters, size=(samples, n_clusters))
    return np.stack([np.bincount(row, minlength=n_clusters) for row in picks]).astype(np.float64)


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def summarise(values: np.ndarray, clusters: Sequence[str], groups: Sequence[str], samples: int,
              seed: int) -> dict:
    """{"all": block, "by_content_type": {group: block}}; a block is {figure: {"value", "ci95", "n"}}.

    `values`: questions x COMPONENTS; `clusters`: each question's image; `groups`: its content type.
    """
    names = ["all", *sorted(set(groups))]
    cluster_ids, cidx = np.unique(np.asarray(clusters), return_inverse=True)
    gidx = np.array([names.index(g) for g in groups])
    sums = np.zeros((len(cluster_ids), len(names), len(COMPONENTS)))
    np.add.at(sums, (cidx, gidx), values)
    sums[:, 0] = sums[:, 1:].sum(1)
    point = _figures(sums.sum(0))
    reps = _figures((draws(len(cluster_ids), samples, seed) @ sums.reshape(len(cluster_ids), -1)).reshape(
        samples, len(names), len(COMPONENTS)))
    with warnings.catch_warnings():  # a figure a replicate cannot count: NaN there, expected
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = np.nanpercentile(reps, [2.5, 97.5], axis=0)
    totals = sums.sum(0)
    blocks = {}
    for g, name in enumerate(names):
        blocks[name] = {fig: {"value": _num(point[g, j]), "ci95": [_num(ci[0, g, j]), _num(ci[1, g, j])],
                              "n": int(totals[g, _C[FIGURES[fig][1]]])} for j, fig in enumerate(FIGURES)}
    return {"all": blocks.pop("all"), "by_content_type": blocks, "images": len(cluster_ids)}
