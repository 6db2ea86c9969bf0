"""Patient-level bootstrap: point figures as a direct computation, intervals over patients, paired comparisons."""

import numpy as np
import pytest

from medqa.eval.bootstrap import ItemScores, compare_scores, summarise_scores
from medqa.eval.metrics import COMPONENTS, METRICS

M = list(METRICS)


def scores(rouge: list[float], folds: list[int], patients: list[str], qtypes: list[str],
           correct: list[int] | None = None) -> ItemScores:
    values = np.zeros((len(rouge), len(COMPONENTS)))
    values[:, COMPONENTS.index("n")] = 1
    values[:, COMPONENTS.index("rougeL")] = rouge
    if correct is not None:
        values[:, COMPONENTS.index("labelled")] = 1
        values[:, COMPONENTS.index("correct")] = correct
    keys = [f"{p}#{i}" for i, p in enumerate(patients)]
    return ItemScores(np.array(keys), np.array(folds), np.array(patients), np.array(qtypes), values)


def test_point_figures_are_per_fold_means_averaged():
    s = scores([1.0, 0.0, 0.5, 0.5, 1.0], [0, 0, 0, 1, 1], ["a", "a", "b", "c", "d"],
               ["presence", "impression", "presence", "presence", "impression"], [1, 0, 1, 0, 1])
    out = summarise_scores(s, samples=200)
    assert out["groups"] == ["all", "impression", "presence"]
    r, acc = M.index("rougeL"), M.index("accuracy")
    assert out["folds"][0][0, r] == pytest.approx(0.5) and out["folds"][1][0, r] == pytest.approx(0.75)
    assert out["mean"][0, r] == pytest.approx(0.625)
    assert out["sd"][0, r] == pytest.approx(np.std([0.5, 0.75], ddof=1))
    assert out["mean"][2, acc] == pytest.approx((1.0 + 0.0) / 2)  # presence: fold 0 2/2, fold 1 0/1
    assert out["ci95"][0, r, 0] <= out["mean"][0, r] <= out["ci95"][0, r, 1]
    again = summarise_scores(s, samples=200)
    assert np.array_equal(again["ci95"], out["ci95"], equal_nan=True)  # seeded: the same intervals


def test_intervals_resample_patients_not_items():
    """Two patients, one always right and one always wrong: patient resampling gives 0 to 1, not 0.5 ± a hair."""
    n = 200
    s = scores([1.0] * n + [0.0] * n, [0] * (2 * n), ["a"] * n + ["b"] * n, ["presence"] * (2 * n))
    low, high = summarise_scores(s, samples=400)["ci95"][0, M.index("rougeL")]
    assert (low, high) == (0.0, 1.0)
    one_each = scores([1.0] * n + [0.0] * n, [0] * (2 * n), [f"p{i}" for i in range(2 * n)],
                      ["presence"] * (2 * n))
    low, high = summarise_scores(one_each, samples=400)["ci95"][0, M.index("rougeL")]
    assert 0.4 < low < 0.5 < high < 0.6


def test_paired_comparison():
    rng = np.random.default_rng(0)
    n, patients = 300, [f"p{i // 3}" for i in range(300)]
    folds = [i // 60 for i in range(n)]
    base = rng.uniform(0, 1, n)
    a = scores(list(base), folds, patients, ["impression"] * n)
    same = compare_scores(a, a, samples=500)
    r = M.index("rougeL")
    assert same["diff"][0, r] == 0 and same["p"][0, r] == 1.0
    better = scores(list(np.clip(base + 0.1, 0, 1)), folds, patients, ["impression"] * n)
    c = compare_scores(better, a, samples=500)
    assert c["diff"][0, r] > 0.05 and c["ci95"][0, r, 0] > 0 and c["p"][0, r] < 0.01
    noisy = scores(list(np.clip(base + rng.normal(0, 0.02, n), 0, 1)), folds, patients, ["impression"] * n)
    assert compare_scores(noisy, a, samples=500)["p"][0, r] > 0.05
    with pytest.raises(ValueError, match="different items"):
        compare_scores(a, scores(list(base[:-1]), folds[:-1], patients[:-1], ["impression"] * (n - 1)))
