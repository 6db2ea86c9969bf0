"""The verifier between generation and output: each reason an answer is dropped, and the reader's own table."""

import pytest

from medqa.data.qa import QAPair
from medqa.data.records import Report, SkipLog, XrayImage
from medqa.data.rule import RuleGenerator
from medqa.data.verify import REASONS, Verifier, check_pair, report_truth
from medqa.data.verify.reader import TableError, load_table, read_answer
from medqa.vocab.mesh import parse_mesh


def _report(findings="", impression="", mesh="normal", uid="1"):
    return Report(uid=uid, mesh=parse_mesh(mesh), findings=findings, impression=impression,
                  images=[XrayImage(f"{uid}_IM-0001-1001.dcm.png", "Frontal")])


def _why(report, qtype, answer, question="？"):
    return check_pair(QAPair(question, answer, qtype), report_truth(report))


EFFUSION = _report("No pneumothorax. Small left pleural effusion.", "Small left effusion.",
                   "Pleural Effusion/left/small")


@pytest.mark.parametrize(("report", "qtype", "answer", "reason"), [
    (EFFUSION, "description", "未见气胸、左侧少量胸腔积液。", "negation scope"),
    (EFFUSION, "description", "未见气胸，左侧少量胸腔积液。", "negation scope"),
    (_report("The lungs are clear. No pneumothorax."), "presence", "可见右肺结节。", "finding not in report"),
    # an absent answer the same film contradicts: 未见结节 beside a calcified granuloma
    (_report("Calcified granuloma in the right upper lobe. No nodules or masses.", mesh="Calcified Granuloma/lung/"
             "upper lobe/right"), "presence", "未见结节。", "status"),
    (_report("Right lower lobe opacity, concerning for pneumonia.", mesh="Pneumonia/lung/lower lobe/right"),
     "presence", "可见右肺下叶肺炎。", "certainty"),
    (EFFUSION, "presence", "可见右侧少量胸腔积液。", "side"),
    (EFFUSION, "severity", "胸腔积液为大量。", "severity"),
    (_report("Left upper lobe cavity.", "Right upper lobe cavitary lesion.", "Cavitation/lung/upper lobe/left"),
     "presence", "可见右肺上叶空洞。", "side conflict in report"),
    (_report("Left upper lobe cavity.", "Right upper lobe cavity.", "Cavitation/lung/upper lobe/left"),
     "normality", "不正常。可见左肺上叶空洞、右肺上叶空洞。", "side conflict in report"),
    (_report("The heart is enlarged. Small right pleural effusion. Small left pneumothorax.", mesh="Cardiomegaly"),
     "normality", "不正常。可见心脏增大。", "number of findings"),
    (_report("Mild cardiomegaly.", "Mild cardiomegaly. Spiculated right upper lobe mass.", "Cardiomegaly/mild"),
     "impression", "心脏轻度增大。", "critical finding missing"),
    (_report("Postsurgical changes of the cervical spine. The lungs are clear."), "normality",
     "这张胸片未见明显异常。", "normal despite finding"),
    (EFFUSION, "presence", "可见某种从未听说的表现。", "unreadable answer"),
    # each lesion keeps its own place: the report's left lesion is in the upper lobe, the right one in the lower
    (_report("Left upper lobe opacity. Right lower lobe opacity."), "presence", "可见左肺下叶阴影。", "side"),
    (_report("Surgical clips in the right upper quadrant. The lungs are clear."), "normality",
     "这张胸片未见明显异常。", "normal despite finding"),
])
def test_each_reason_drops_the_answer(report, qtype, answer, reason):
    assert _why(report, qtype, answer) == reason


def test_an_answer_that_does_not_name_its_finding_is_read_as_about_the_questions():
    assert _why(EFFUSION, "location", "位于右侧。", "胸腔积液位于什么部位？") == "side"
    assert _why(EFFUSION, "location", "位于左侧。", "胸腔积液位于什么部位？") is None
    assert _why(EFFUSION, "severity", "程度为大量。", "胸腔积液的程度如何？") == "severity"




@pytest.mark.parametrize(("report", "qtype", "answer"), [
    (EFFUSION, "description", "未见气胸；左侧少量胸腔积液。"),
    (EFFUSION, "description", "未见气胸，可见左侧少量胸腔积液。"),
    (EFFUSION, "presence", "可见左侧少量胸腔积液。"),
    (_report("Findings concerning for aortic dissection."), "presence", "考虑为主动脉夹层。"),  # blind 6: no 可能
    (_report("The heart is enlarged. Small right pleural effusion. Small left pneumothorax.", mesh="Cardiomegaly"),
     "normality", "不正常。可见心脏增大等。"),  # the list says there is more
    (_report("No large pleural effusion. Small right pleural effusion."), "presence", "未见大量胸腔积液。"),
    (_report("Left upper lobe opacity. Right lower lobe opacity."), "presence", "可见左肺上叶阴影、右肺下叶阴影。"),
    (_report("Surgical clips in the right upper quadrant. The lungs are clear."), "normality",
     "心肺未见明显异常，可见腹部手术夹。"),
])
def test_answers_the_report_supports_are_kept(report, qtype, answer):
    assert _why(report, qtype, answer) is None


def test_the_reader_reads_strictly_and_never_imports_the_generators_tables():
    readings = read_answer("未见气胸、左侧少量胸腔积液；不除外右肺下叶肺炎。")
    assert [(r.concept, r.status, r.side, r.severity, r.run_on) for r in readings] == [
        ("pneumothorax", "absent", None, None, False), ("pleural effusion", "absent", "left", "low", True),
        ("pneumonia", "uncertain", "right", None, False)]
    assert read_answer("双肺门阴影。")[0].concept == "hilar shadow"  # the normal hilum, not a perihilar opacity
    import ast
    from pathlib import Path

    import medqa.data.verify.reader as reader

    tree = ast.parse(Path(reader.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("medqa")}  # its names come from reading.tsv alone


def test_a_bad_reading_table_names_its_file_and_line(tmp_path):
    bad = tmp_path / "reading.tsv"
    bad.write_text("concept\tzh\ten\tbenign\tcritical\nx\t(\tx\tno\tno\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"reading.tsv:2"):
        load_table(bad)


def test_verifier_counts_every_reason_and_skips_reports_left_empty():
    report = _report("Small left pleural effusion.", uid="7", mesh="Pleural Effusion/left/small")
    qa = {"7": [QAPair("？", "可见右侧少量胸腔积液。", "presence"), QAPair("？", "未见结节。", "presence")]}
    skips = SkipLog()
    verifier = Verifier()
    assert verifier.filter([report], qa, skips) == {}
    info = verifier.card_info()
    assert list(info["dropped by reason"]) == list(REASONS)
    assert info["dropped by reason"]["side"] == 1 and info["dropped by reason"]["finding not in report"] == 1
    assert skips.counts == {"nothing left after the verifier": 1}


def test_rule_generator_output_passes_the_verifier_on_hand_made_reports():
    reports = [
        _report("No pneumothorax, small left effusion.", "Small left pleural effusion.", "Pleural Effusion/left/small",
                uid="1"),
        _report("Mild cardiomegaly. No pneumothorax.", "Mild cardiomegaly.", "Cardiomegaly/mild", uid="2"),
    ]
    qa = RuleGenerator(vary=False).generate_all(reports, SkipLog())
    kept = Verifier().filter(reports, qa, SkipLog())
    assert kept == qa
    assert any(p.answer == "未见气胸；左侧少量胸腔积液。" for p in kept["1"] if p.qtype == "description")


def test_a_bad_critical_table_and_a_bad_rate_table_name_their_file_and_line(tmp_path):
    from medqa.data.rule.absent import load_rates
    from medqa.data.verify.truth import critical_patterns

    critical = tmp_path / "critical.tsv"
    critical.write_text("concept\tkind\tpattern\tnote\nmass\turgent\t\\bmass\\b\t\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"critical.tsv:2: kind must be critical or abnormal"):
        critical_patterns(critical)
    rates = tmp_path / "rates.tsv"
    rates.write_text("finding\trate\tpresent\tabsent\npneumothorax\t1.5\t1\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"rates.tsv:2: bad or repeated row"):
        load_rates(rates)


def test_a_report_the_verifier_cannot_read_is_skipped_and_named_never_stopping_the_build(monkeypatch):
    import medqa.data.verify.gate as gate

    real = gate.report_truth

    def truth(report):
        if report.uid == "bad":
            raise RuntimeError("unreadable report")
        return real(report)

    monkeypatch.setattr(gate, "report_truth", truth)
    good = _report("Small left pleural effusion.", uid="good", mesh="Pleural Effusion/left/small")
    bad = _report("Small left pleural effusion.", uid="bad", mesh="Pleural Effusion/left/small")
    pair = QAPair("？", "可见左侧少量胸腔积液。", "presence")
    skips = SkipLog()
    kept = Verifier().filter([bad, good], {"bad": [pair], "good": [pair]}, skips)
    assert kept == {"good": [pair]}
    assert skips.counts == {"verifier failed": 1} and "unreadable report" in skips.messages[0]
