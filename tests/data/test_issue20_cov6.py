"""Issue 20, coverage (sixth pass): a report without a findings section is described by its impression (and not
asked the same text twice); a masked comparison with an earlier film ('The heart and lungs have XXXX XXXX in the
interval', 'Comparison: XXXX, XXXX') is left out of a description, in the generator and in the verifier."""

import pytest

from medqa.data.qa import QAPair
from medqa.data.rule import RuleGenerator
from medqa.data.verify import check_pair, report_truth
from medqa.vocab.sentences import read_section, render_section
from tests.helpers.issue20 import generated, make_report

ASKED = "请描述这张胸片的影像表现。"


def _qtypes(findings, impression, mesh="normal"):
    return {(q, a) for q, a in generated(findings, mesh, impression, verified=True)}


def test_a_report_without_findings_is_described_by_its_impression_once():
    pairs = _qtypes("", "Heart size normal. Lungs clear. Calcified right upper lobe granuloma.",
                    "Calcified Granuloma/lung/upper lobe/right")
    descriptions = {a for q, a in pairs if q == "description"}
    assert any(a.endswith("心脏大小正常。双肺清晰。右肺上叶钙化肉芽肿。") for a in descriptions), descriptions
    assert not any(q == "impression" for q, _ in pairs)  # the same text is not asked twice


def test_a_report_with_findings_keeps_both_answers():
    pairs = _qtypes("The heart is normal. The lungs are clear.", "No acute cardiopulmonary disease.")
    assert {"description", "impression"} <= {q for q, _ in pairs}
    assert {a for q, a in pairs if q == "description"} != {a for q, a in pairs if q == "impression"}


def test_no_description_when_the_impression_does_not_render_whole():
    pairs = _qtypes("", "Heart size normal. Soft tissue density may represent the patient's lipoma.")
    assert not any(q in ("description", "impression") for q, _ in pairs)


def test_the_card_counts_descriptions_read_from_the_impression():
    gen = RuleGenerator(vary=False)
    gen.generate(make_report("", "Heart size normal. Lungs clear.", "normal"))
    gen.generate(make_report("The lungs are clear.", "Normal chest.", "normal"))
    assert gen.card_info()["descriptions read from the impression (no findings section)"] == 1


def test_the_verifier_checks_an_impression_description_against_the_impression():
    report = make_report("", "Large right pneumothorax. Heart size normal.", "Pneumothorax/right/large")
    truth = report_truth(report)
    assert check_pair(QAPair(ASKED, "心脏大小正常。", "description"), truth) == "critical finding missing"
    masked = make_report("", "Heart size normal. No XXXX infiltrates.", "normal")
    assert check_pair(QAPair(ASKED, "心脏大小正常。", "description"), report_truth(masked)) == "finding left out"


@pytest.mark.parametrize("line", ["The heart and lungs have XXXX XXXX in the interval.", "Comparison: XXXX, XXXX.",
                                  "Comparison XXXX, XXXX.", "Comparison XXXX, XXXX"])  # the last runs on
def test_a_masked_comparison_is_left_out_of_the_description(line):
    findings = f"{line} Both lungs are clear and expanded. Heart and mediastinum normal."
    sentences = read_section(findings)
    assert render_section(sentences) == "双肺清晰，膨胀良好。心脏及纵隔正常。"
    truth = report_truth(make_report(findings, "No active disease.", "normal"))
    assert check_pair(QAPair(ASKED, "双肺清晰，膨胀良好。心脏及纵隔正常。", "description"), truth) is None
    assert any(q == "description" for q, _ in _qtypes(findings, "No active disease."))


@pytest.mark.parametrize("line", ["The heart and lungs have XXXX in the interval.", "The lungs have XXXX XXXX in the "
                                  "interval.", "The heart and lungs have XXXX XXXX since the prior XXXX.",
                                  "Comparison XXXX, XXXX, increased XXXX opacities.",
                                  "Comparison XXXX, XXXX XXXX opacities."])  # a third mask: the statement's word
def test_other_masked_comparisons_still_block_the_description(line):
    findings = f"{line} The lungs are clear."
    assert render_section(read_section(findings)) is None
    truth = report_truth(make_report(findings, "No active disease.", "normal"))
    assert check_pair(QAPair(ASKED, "双肺清晰。", "description"), truth) == "finding left out"


def _kept(findings, impression, answer, mesh="normal"):
    return check_pair(QAPair(ASKED, answer, "description"), report_truth(make_report(findings, impression, mesh)))


def test_borderline_cardiomegaly_said_as_borderline_is_kept():
    findings = "There is borderline cardiomegaly. Lungs are clear."
    assert _kept(findings, "Borderline cardiomegaly.", "心脏临界增大。双肺清晰。", "Cardiomegaly/borderline") is None
    assert _kept(findings, "Borderline cardiomegaly.", "心脏增大。双肺清晰。", "Cardiomegaly/borderline") \
        == "certainty"


@pytest.mark.parametrize("findings,impression,answer", [
    ("The lungs are hyperexpanded. No effusion.", "Emphysema.", "双肺过度充气。未见胸腔积液。"),
    ("There is hyperinflation of the lungs. The heart is normal.", "COPD. No acute disease.",
     "双肺过度充气。心脏正常。"),
    ("Focal airspace disease in the right middle lobe.", "This is most concerning for pneumonia.",
     "右肺中叶局灶性气腔病变。"),
])
def test_a_description_may_leave_the_impressions_diagnosis_of_a_described_finding(findings, impression, answer):
    assert _kept(findings, impression, answer) is None


@pytest.mark.parametrize("findings,impression,answer", [
    ("The heart is normal. No effusion.", "Emphysema.", "心脏正常。未见胸腔积液。"),  # nothing it is read from
    ("The lungs are hyperexpanded. No effusion.", "Hyperexpanded lungs. Right basilar opacity.",
     "双肺过度充气。未见胸腔积液。"),  # a finding of its own, not a diagnosis
    ("The heart is normal. The lungs are hyperexpanded.", "Emphysema. Small left pleural effusion.",
     "心脏正常。双肺过度充气。"),
])
def test_a_description_still_may_not_leave_out_an_impression_finding(findings, impression, answer):
    assert _kept(findings, impression, answer) == "finding left out"


def test_pneumonia_named_is_pneumonia_kept_and_consolidation_alone_does_not_say_it():
    findings = "There is a right lower lobe pneumonia. No pleural effusion."
    impression = "Right lower lobe pneumonia."
    assert _kept(findings, impression, "右肺下叶肺炎。未见胸腔积液。", "Pneumonia/lung/lower lobe/right") is None
    both = "Right lower lobe consolidation consistent with pneumonia. No pleural effusion."
    assert _kept(both, impression, "右肺下叶实变，符合肺炎。未见胸腔积液。", "Pneumonia/lung/lower lobe/right") is None
    assert _kept(both, impression, "右肺下叶实变。未见胸腔积液。", "Pneumonia/lung/lower lobe/right") \
        == "critical finding missing"
    assert _kept(findings, impression, "未见胸腔积液。", "Pneumonia/lung/lower lobe/right") \
        == "critical finding missing"


def test_a_bad_row_of_the_interprets_table_is_named_by_file_and_line(tmp_path):
    from medqa.data.verify.reader import TableError
    from medqa.data.verify.scope import interprets

    table = tmp_path / "interprets.tsv"
    table.write_text("diagnosis\tseen_as\tnote\ncopd\t\t\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"interprets.tsv:2: diagnosis and seen_as"):
        interprets(table)


def test_the_interprets_table_names_only_concepts_the_reader_knows():
    from medqa.data.verify.reader import load_table
    from medqa.data.verify.scope import interprets

    named = set(interprets()) | {c for seen in interprets().values() for c in seen}
    assert named and named <= set(load_table()), named - set(load_table())
