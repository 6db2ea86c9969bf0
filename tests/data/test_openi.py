"""Parsing both Open-i forms: the real Kaggle CSV pair and synthetic NLM XML fixtures."""

import pytest

from medqa.data.openi import InputError, parse_xml_report, read_kaggle_csv, read_reports, read_xml_dir
from medqa.data.records import SkipLog
from medqa.vocab.mesh import MeshTerm, parse_mesh


def test_all_real_reports_parse(openi_dir):
    skips = SkipLog()
    reports = read_kaggle_csv(openi_dir / "indiana_reports.csv", openi_dir / "indiana_projections.csv", skips)
    assert len(reports) == 3560
    assert not skips.counts, skips.messages[:5]
    assert len({r.uid for r in reports}) == 3560
    assert sum(len(r.images) for r in reports) == 6897
    by_uid = {r.uid: r for r in reports}
    r54 = by_uid["54"]
    assert [(i.filename, i.projection) for i in r54.images] == [
        ("54_IM-2145-1001.dcm.png", "Frontal"), ("54_IM-2145-1002.dcm.png", "Lateral")]
    assert r54.mesh == [MeshTerm("Pulmonary Atelectasis", ("base", "right", "mild")),
                        MeshTerm("Aorta, Thoracic", ("tortuous",)),
                        MeshTerm("Calcified Granuloma", ("scattered",))]
    assert by_uid["1009"].is_normal and not r54.is_normal
    # Empty sections come through as '' (465 reports have no findings), never 'nan'.
    assert by_uid["3"].findings == "" and by_uid["3"].impression.startswith("No displaced rib fractures")


def test_mesh_parsing_keeps_commas_and_lowercases_qualifiers():
    assert parse_mesh("Pulmonary Disease, Chronic Obstructive;Opacity/Lung/base/left/mild; ;") == [
        MeshTerm("Pulmonary Disease, Chronic Obstructive"),
        MeshTerm("Opacity", ("lung", "base", "left", "mild")),
    ]
    assert str(MeshTerm("Opacity", ("lung", "base"))) == "Opacity/lung/base"


def test_xml_fixture_gives_the_same_record_as_csv(xml_dir, openi_dir):
    report = parse_xml_report(xml_dir / "54.xml")
    assert report.uid == "54"
    assert report.findings.startswith("Mild right basilar atelectasis. Tortuous thoracic aorta.")
    assert report.impression == "No acute cardiopulmonary abnormality."
    assert report.indication == "XXXX-year-old male, chest pain."
    assert report.comparison == ""  # "None." is the empty placeholder
    csv_reports = {r.uid: r for r in read_kaggle_csv(
        openi_dir / "indiana_reports.csv", openi_dir / "indiana_projections.csv", SkipLog())}
    assert report.mesh == csv_reports["54"].mesh
    assert [i.filename for i in report.images] == [i.filename for i in csv_reports["54"].images]


def test_xml_dir_skips_malformed_and_names_the_file(xml_dir, openi_dir):
    skips = SkipLog()
    reports = read_xml_dir(xml_dir, openi_dir / "indiana_projections.csv", skips)
    assert sorted(r.uid for r in reports) == ["1009", "54", "7"]
    assert skips.counts == {"unreadable XML report": 1}
    assert "8.xml" in skips.messages[0] and "malformed XML" in skips.messages[0]
    by_uid = {r.uid: r for r in reports}
    # Projections come from the projections CSV when it knows the image, else from the caption.
    assert [i.projection for i in by_uid["54"].images] == ["Frontal", "Lateral"]
    assert [i.projection for i in by_uid["1009"].images] == ["Frontal", "Lateral"]
    assert by_uid["7"].images == []


def test_bad_csv_rows_are_skipped_with_file_and_row(tmp_path):
    path = tmp_path / "indiana_reports.csv"
    path.write_text(
        "uid,MeSH,Problems,image,indication,comparison,findings,impression\n"
        "1,normal,normal,x,,,Clear lungs.,Normal.\n"
        ",normal,normal,x,,,No uid here.,Normal.\n"
        "3,normal,normal,x,,,Too,many,fields,here\n"
        "1,normal,normal,x,,,Duplicate.,Normal.\n"
        "4,Cardiomegaly/mild,Cardiomegaly,x,,,,\n",
        encoding="utf-8")
    skips = SkipLog()
    reports = read_kaggle_csv(path, None, skips)
    assert [r.uid for r in reports] == ["1", "4"]
    assert skips.counts == {"unreadable report row": 2, "duplicate uid": 1}
    assert f"{path}:3" in skips.messages[0] and f"{path}:4" in skips.messages[1]
    assert reports[1].findings == "" and reports[1].impression == ""


def test_missing_column_is_a_clear_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("uid,findings\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.csv: missing column\(s\) MeSH, impression"):
        read_reports(path, None, SkipLog())
    with pytest.raises(InputError, match="file not found"):
        read_reports(tmp_path / "nope.csv", None, SkipLog())
