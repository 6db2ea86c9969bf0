"""A report's conversations depend only on that report and --seed, never on the other reports read with it."""

import csv

from medqa.data.build import build_dataset
from medqa.data.config import BuildArguments
from medqa.data.rule import RuleGenerator


def _subset(openi_dir, out_dir, rows, name):
    """A report file holding `rows` of the shared reports, with the projections of exactly those reports."""
    with (openi_dir / "indiana_reports.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, every = reader.fieldnames, list(reader)
    chosen = [every[i] for i in rows]
    uids = {r["uid"] for r in chosen}
    with (out_dir / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(chosen)
    with (openi_dir / "indiana_projections.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        projections = [r for r in reader if r["uid"] in uids]
        with (out_dir / f"{name}_projections.csv").open("w", encoding="utf-8", newline="") as g:
            writer = csv.DictWriter(g, fieldnames=reader.fieldnames)
            writer.writeheader()
            writer.writerows(projections)
    return out_dir / f"{name}.csv", out_dir / f"{name}_projections.csv"


def _conversations(reports, projections, out, seed):
    result = build_dataset(BuildArguments(reports, out, projections, seed=seed), RuleGenerator(seed=seed))
    return {r["id"]: (r["messages"], r["qtypes"], r["labels"]) for fold in result.folds.values() for r in fold}


def test_dropping_one_report_leaves_every_other_conversation_byte_identical(openi_dir, tmp_path):
    rows = list(range(300))
    full = _conversations(*_subset(openi_dir, tmp_path, rows, "full"), tmp_path / "full-out", seed=5)
    dropped_row = 17
    less = _conversations(*_subset(openi_dir, tmp_path, [i for i in rows if i != dropped_row], "less"),
                          tmp_path / "less-out", seed=5)
    assert len(less) < len(full)  # the dropped report's conversations are gone, and only those
    assert set(less) < set(full)
    changed = [key for key in less if less[key] != full[key]]
    assert changed == []
    other_seed = _conversations(*_subset(openi_dir, tmp_path, rows, "full"), tmp_path / "seed-out", seed=6)
    both = full.keys() & other_seed.keys()  # another wording may leave a report nothing the verifier keeps
    assert len(both) > len(full) // 2
    assert sum(other_seed[k] != full[k] for k in both) > len(both) // 2  # the seed does change the wording
