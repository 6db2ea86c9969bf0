"""The study statistics against published or hand-checked reference values."""

import math

import numpy as np
import pytest

from medqa.study import stats

NAN = float("nan")
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example C: 4 observers, 12 units, values 1-5,
# missing values blank. Published: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797.
KRIPPENDORFF_C = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
                  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
                  [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
                  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]
# Fleiss' kappa worked example (10 subjects, 14 raters, 5 categories: counts per category), kappa = 0.210.
FLEISS_TABLE = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]


def as_units(matrix):
    raters = [f"r{k}" for k in range(len(matrix))]
    units = {}
    for u in range(len(matrix[0])):
        units[(u,)] = {raters[k]: matrix[k][u] for k in range(len(matrix)) if not math.isnan(matrix[k][u])}
    return units, raters


def test_krippendorff_ordinal_matches_the_published_example():
    units, raters = as_units(KRIPPENDORFF_C)
    assert stats.krippendorff_ordinal(units, raters) == pytest.approx(0.815, abs=5e-4)


def test_fleiss_kappa_matches_the_worked_example():
    units = {}
    for row, counts in enumerate(FLEISS_TABLE):  # each subject's 14 ratings as rater -> category
        labels = [c for c, n in enumerate(counts) for _ in range(n)]
        units[(row,)] = {f"r{j}": f"cat{c}" for j, c in enumerate(labels)}
    result = stats.categorical_kappa(units, [f"r{j}" for j in range(14)])
    assert result["method"] == "fleiss" and result["units"] == 10
    assert result["kappa"] == pytest.approx(0.210, abs=5e-4)


def test_cohen_kappa_matches_the_hand_computed_example():
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15. po = 0.7, pe = 0.5, kappa = 0.4.
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    units = {(i,): {"a": x, "b": y} for i, (x, y) in enumerate(pairs)}
    result = stats.categorical_kappa(units, ["a", "b"])
    assert result == {"method": "cohen", "units": 50, "kappa": pytest.approx(0.4)}


def test_bradley_terry_recovers_exact_strengths_and_closed_form_errors():
    # Two arms: A beats B 7 of 10 times. MLE: strength(B) - strength(A) = log(3/7), se = sqrt(1/7 + 1/3).
    comps = [("A", "B", "A")] * 7 + [("B", "A", "B")] * 3
    bt = stats.bradley_terry(comps, ["A", "B"])
    b = bt["strengths"][1]
    assert b["strength"] == pytest.approx(math.log(3 / 7)) and b["se"] == pytest.approx(math.sqrt(1 / 7 + 1 / 3))
    assert b["low"] == pytest.approx(b["strength"] - 1.96 * b["se"], abs=1e-3)
    # Three arms whose win shares fit the model exactly (2:1, 2:1, 4:1): strengths 0, -log 2, -2 log 2.
    comps = ([("A", "B", "A")] * 20 + [("A", "B", "B")] * 10 + [("B", "C", "B")] * 20 + [("C", "B", "C")] * 10
             + [("A", "C", "A")] * 24 + [("A", "C", "C")] * 6)
    got = [s["strength"] for s in stats.bradley_terry(comps, ["A", "B", "C"])["strengths"]]
    assert got == pytest.approx([0.0, -math.log(2), -2 * math.log(2)])
    # Ties count half to each side: 2 wins + 2 ties of 4 is a 3:1 share.
    tied = stats.bradley_terry([("A", "B", "A")] * 2 + [("A", "B", "tie"), ("B", "A", "both_bad")], ["A", "B"])
    assert tied["strengths"][1]["strength"] == pytest.approx(math.log(1 / 3))


def test_bradley_terry_says_why_when_it_cannot_estimate():
    assert "every comparison" in stats.bradley_terry([("A", "B", "A")] * 3, ["A", "B"])["note"]
    assert "at least one comparison" in stats.bradley_terry([("A", "B", "A")], ["A", "B", "C"])["note"]


def test_patient_bootstrap_resamples_patients_not_rows():
    # Patient p1 has 9 rows of 5, p2 one row of 1: a row bootstrap would put most mass near 4.6; resampling the two
    # patients gives only three possible means: 5 (p1 twice), 1 (p2 twice) and 46/10... plus (45+45)/18 = 5.
    values, patients = [5] * 9 + [1], ["p1"] * 9 + ["p2"]
    result = stats.bootstrap_mean(values, patients, seed=1)
    assert result["mean"] == pytest.approx(4.6) and result["patients"] == 2
    assert result["low"] == pytest.approx(1.0) and result["high"] == pytest.approx(5.0)
    single = stats.bootstrap_mean([3, 4], ["p", "p"])
    assert single["low"] is None and "fewer than 2 patients" in single["note"]
    same = stats.bootstrap_mean([4, 4, 4], ["a", "b", "c"])
    assert same["low"] == same["high"] == 4.0


def test_win_rates_count_each_comparison_once():
    comps = [("A", "B", "A"), ("B", "A", "A"), ("A", "B", "tie"), ("B", "A", "both_bad"), ("A", "B", "B")]
    (row,) = stats.win_rates(comps, ["A", "B"])
    assert (row["n"], row["wins_a"], row["wins_b"], row["ties"], row["both_bad"]) == (5, 2, 1, 1, 1)
    assert row["win_rate_a"] == pytest.approx(0.4) and np.isclose(row["win_rate_b"], 0.2)
