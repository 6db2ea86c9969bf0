"""Readers for both public forms of the Open-i / IU X-ray collection.

* the Kaggle CSV pair `indiana_reports.csv` + `indiana_projections.csv`;
* the original NLM XML, one `ecgen-radiology/N.xml` per report.

Both return the same `Report` records. A bad row or file is logged in a `SkipLog` with its
file and line and the read goes on; the CSV files are read by `medqa.data.csvfile`, which also
survives broken quotes and lines that are not UTF-8.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from medqa.data.csvfile import CsvLines, InputError
from medqa.data.records import Report, SkipLog, XrayImage, clean_text
from medqa.vocab.mesh import parse_mesh

REPORT_COLUMNS = ("uid", "MeSH", "findings", "impression")
PROJECTION_COLUMNS = ("uid", "filename", "projection")
# The XML's AbstractText labels, mapped onto Report fields.
XML_SECTIONS = {"INDICATION": "indication", "COMPARISON": "comparison",
                "FINDINGS": "findings", "IMPRESSION": "impression"}


def read_projections(path: Path, skips: SkipLog) -> dict[str, list[XrayImage]]:
    """Read `indiana_projections.csv` into uid -> images, in file order."""
    images: dict[str, list[XrayImage]] = defaultdict(list)
    for row in CsvLines(Path(path), PROJECTION_COLUMNS, "uid", skips, "projection").rows():
        uid, name = clean_text(row.values.get("uid")), clean_text(row.values.get("filename"))
        if not uid or not name:
            skips.skip("unreadable projection row", f"{path}:{row.line}", "empty uid or filename")
            continue
        images[uid].append(XrayImage(name, clean_text(row.values.get("projection")).capitalize()))
    return dict(images)


def read_kaggle_csv(reports_csv: Path, projections_csv: Path | None, skips: SkipLog) -> list[Report]:
    """Read the Kaggle CSV pair. Without a projections file, reports carry no images."""
    reports_csv = Path(reports_csv)
    images = read_projections(projections_csv, skips) if projections_csv else {}
    reports, seen = [], set()
    for row in CsvLines(reports_csv, REPORT_COLUMNS, "uid", skips, "report").rows():
        report = _report_from_row(row.values, f"{reports_csv}:{row.line}", skips)
        if report is None:
            continue
        if report.uid in seen:
            skips.skip("duplicate uid", report.source, report.uid)
            continue
        seen.add(report.uid)
        report.images = list(images.get(report.uid, []))
        reports.append(report)
    return reports


def _report_from_row(row: dict, where: str, skips: SkipLog) -> Report | None:
    uid = clean_text(row.get("uid"))
    if not uid:
        skips.skip("unreadable report row", where, "empty uid")
        return None
    return Report(
        uid=uid,
        mesh=parse_mesh(row.get("MeSH")),
        indication=clean_text(row.get("indication")),
        comparison=clean_text(row.get("comparison")),
        findings=clean_text(row.get("findings")),
        impression=clean_text(row.get("impression")),
        technique=clean_text(row.get("image")),
        source=where,
    )


def parse_xml_report(path: Path) -> Report:
    """Parse one NLM `ecgen-radiology/N.xml`; raises ValueError naming the file when it is malformed."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ValueError(f"{path}: malformed XML ({exc})") from exc
    uid = _xml_uid(root)
    if not uid:
        raise ValueError(f"{path}: no report id (<IUXRId>, <pmcId> or <uId>)")
    report = Report(uid=uid, source=str(path))
    for node in root.iter("AbstractText"):
        field_name = XML_SECTIONS.get((node.get("Label") or "").upper())
        if field_name:
            setattr(report, field_name, clean_text("".join(node.itertext())))
    majors = [clean_text(m.text) for m in root.iter("major") if clean_text(m.text)]
    report.mesh = parse_mesh(";".join(majors))
    report.images = [_xml_image(uid, node) for node in root.iter("parentImage") if node.get("id")]
    return report


def _xml_uid(root: ET.Element) -> str:
    for tag in ("IUXRId", "pmcId"):
        node = root.find(f".//{tag}")
        if node is not None and node.get("id"):
            return node.get("id").strip()
    node = root.find(".//uId")
    if node is not None and node.get("id"):
        return node.get("id").strip().removeprefix("CXR")
    return ""


def _xml_image(uid: str, node: ET.Element) -> XrayImage:
    """Map `<parentImage id="CXR<uid>_IM-0001-4001">` to the Kaggle file name `<uid>_IM-0001-4001.dcm.png`.

    The XML does not say frontal or lateral; a caption that names it is used, else "".
    """
    stem = node.get("id").strip().removeprefix(f"CXR{uid}_")
    caption = clean_text(node.findtext("caption")).lower()
    projection = "Lateral" if "lateral" in caption else "Frontal" if ("frontal" in caption or " pa" in caption) else ""
    return XrayImage(f"{uid}_{stem}.dcm.png", projection)


def read_xml_dir(xml_dir: Path, projections_csv: Path | None, skips: SkipLog) -> list[Report]:
    """Read every `*.xml` under `xml_dir`; a projections CSV, when given, supplies the projections."""
    xml_dir = Path(xml_dir)
    files = sorted(xml_dir.rglob("*.xml"), key=lambda p: (len(p.stem), p.stem))
    if not files:
        raise InputError(f"{xml_dir}: no .xml report files found")
    projections = read_projections(projections_csv, skips) if projections_csv else {}
    reports, seen = [], set()
    for path in files:
        try:
            report = parse_xml_report(path)
        except (ValueError, OSError) as exc:
            skips.skip("unreadable XML report", str(path), str(exc))
            continue
        if report.uid in seen:
            skips.skip("duplicate uid", str(path), report.uid)
            continue
        seen.add(report.uid)
        known = {img.filename: img.projection for img in projections.get(report.uid, [])}
        report.images = [XrayImage(i.filename, known.get(i.filename, i.projection)) for i in report.images]
        reports.append(report)
    return reports


def read_reports(source: Path, projections_csv: Path | None, skips: SkipLog) -> list[Report]:
    """Read reports from a Kaggle reports CSV or from a folder of NLM XML files."""
    source = Path(source)
    if source.is_dir():
        return read_xml_dir(source, projections_csv, skips)
    if source.suffix.lower() == ".csv":
        return read_kaggle_csv(source, projections_csv, skips)
    raise InputError(f"{source}: expected indiana_reports.csv or a folder of ecgen-radiology XML files")
