"""Patient-level folds."""

import pytest

from medqa.data.split import assign_folds, parse_folds


def test_folds_are_balanced_deterministic_and_order_free():
    uids = [str(i) for i in range(1, 103)]
    folds = assign_folds(uids, 5, seed=0)
    assert sorted(folds) == sorted(uids)
    sizes = sorted([list(folds.values()).count(k) for k in range(5)])
    assert sizes == [20, 20, 20, 21, 21]
    assert assign_folds(reversed(uids), 5, seed=0) == folds
    assert assign_folds(uids, 5, seed=1) != folds


def test_parse_folds():
    assert parse_folds("0-4") == [0, 1, 2, 3, 4]
    assert parse_folds("3,1") == [1, 3]
    assert parse_folds(2) == [2]
    with pytest.raises(ValueError, match="out of range"):
        parse_folds("5", k=5)
    with pytest.raises(ValueError, match="bad fold list"):
        parse_folds("a-b")
