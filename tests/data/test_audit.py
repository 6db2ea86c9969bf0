"""`python -m medqa.data audit`: a review sheet beside the reports, and the totals of a marked one."""

import csv

import pytest

from medqa.data.audit import COLUMNS
from medqa.data.cli import main

REPORTS = [
    ("1", "normal", "Xray Chest PA and Lateral", "The lungs are clear. No pneumothorax.", "No acute disease."),
    ("2", "Cardiomegaly/mild", "Xray Chest PA and Lateral", "Mild cardiomegaly. No pleural effusion.",
     "Mild cardiomegaly."),
    ("3", "Pleural Effusion/right/small", "Chest, 2 views", "Possible small right pleural effusion.",
     "Possible small right effusion."),
    ("4", "Calcified Granuloma/lung/upper lobe/right", "Xray Chest PA and Lateral",
     "Calcified granuloma in the right upper lobe. No focal consolidation.", "No acute cardiopulmonary disease."),
]


@pytest.fixture()
def dataset(tmp_path):
    """A four-report dataset built from hand-written reports (two images each)."""
    reports, projections = tmp_path / "indiana_reports.csv", tmp_path / "indiana_projections.csv"
    with reports.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["uid", "MeSH", "Problems", "image", "indication", "comparison", "findings", "impression"])
        w.writerows([uid, mesh, "", image, "", "", findings, impression]
                    for uid, mesh, image, findings, impression in REPORTS)
    with projections.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["uid", "filename", "projection"])
        for uid, *_ in REPORTS:
            w.writerows([[uid, f"{uid}_IM-0001-1001.dcm.png", "Frontal"], [uid, f"{uid}_IM-0001-2001.dcm.png",
                                                                           "Lateral"]])
    out = tmp_path / "ds"
    assert main(["build", "--reports", str(reports), "--out", str(out), "--folds", "2"]) == 0
    return out


def _read(path):
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())  # spreadsheets read the Chinese as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_sheet_puts_each_pair_beside_its_report(dataset, capsys):
    assert main(["audit", str(dataset), "--sample", "3", "--seed", "1"]) == 0
    assert "--score" in capsys.readouterr().out
    rows = _read(dataset / "audit_sheet.csv")
    assert tuple(rows[0]) == COLUMNS
    assert len({r["uid"] for r in rows}) == 3 and all(r["verdict"] == "" for r in rows)
    assert {r["record"].split("_")[1][-4:] for r in rows} == {"1001"}  # the frontal conversation of each report
    effusion = [r for r in rows if r["uid"] == "3"]
    if effusion:
        assert effusion[0]["findings"] == "Possible small right pleural effusion."
        assert effusion[0]["mesh"] == "Pleural Effusion/right/small"
    again = dataset / "again.csv"
    assert main(["audit", str(dataset), "--sample", "3", "--seed", "1", "--out", str(again)]) == 0
    assert _read(again) == rows  # the same seed draws the same reports


def test_score_totals_verdicts_and_rejects_unknown_ones(dataset, tmp_path, capsys):
    assert main(["audit", "--dir", str(dataset), "--sample", "4"]) == 0
    sheet = dataset / "audit_sheet.csv"
    rows = _read(sheet)
    for i, row in enumerate(rows):
        row["verdict"] = "Faithful" if i % 4 else ("wrong" if i % 8 == 0 else "")
    with sheet.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    capsys.readouterr()
    assert main(["audit", "--score", str(sheet)]) == 0
    table = capsys.readouterr().out
    faithful = sum(1 for i in range(len(rows)) if i % 4)
    wrong = sum(1 for i in range(len(rows)) if i % 8 == 0)
    marked = faithful + wrong
    assert f"| all | {faithful} | {wrong} | 0 | 0 | {len(rows) - marked} | {marked} | " \
           f"{100 * faithful / marked:.1f} |" in table
    rows[2]["verdict"] = "maybe"
    with sheet.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    assert main(["audit", "--score", str(sheet)]) == 2
    assert f"{sheet}:4: verdict 'maybe'" in capsys.readouterr().err


def test_audit_needs_a_folder_or_a_sheet(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["audit"])
    assert "DIR" in capsys.readouterr().err
    assert main(["audit", str(tmp_path)]) == 2
    assert "dataset.json not found" in capsys.readouterr().err
