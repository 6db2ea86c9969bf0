"""The classes the fourth blind reading of issue 20 found, each on self-made reports in other wordings than the
reading's: what the verifier must drop (the reason it counts), what it keeps, and what the rule generator writes."""

import re

import pytest

from tests.helpers.issue20 import generated as _generated
from tests.helpers.issue20 import verdict as _verdict

# --- 1. a location answer carries the finest place the text gives, or is not given ---------------------------

PLACE_DROPPED = [
    ("clips at the gallbladder are not just 腹部", "Cholecystectomy clips are noted. The lungs are clear.",
     "Surgical Instruments/abdomen", "手术夹在哪个位置？", "手术夹位于腹部。"),
    ("a line's tip in the SVC is not just its side", "Left IJ central venous catheter with tip in the SVC.",
     "Catheters, Indwelling/left", "留置导管在哪个位置？", "留置导管见于左侧。"),
    ("two lines are not just two sides", "Right PICC with tip at the cavoatrial junction. Left subclavian port "
     "catheter tip in the SVC.", "Catheters, Indwelling/right;Catheters, Indwelling/left", "留置导管在哪个位置？",
     "在右侧、左侧。"),
    ("a place only MeSH gives is no answer", "Biliary stent is present. The lungs are clear.", "Stents/abdomen",
     "支架在哪个位置？", "支架见于腹部。"),
    ("lateral keeps lateral", "Patchy opacity in the lateral left lung base.", "Opacity/lung/base/left/patchy",
     "阴影在哪个位置？", "在左肺底部。"),
    ("apical keeps apical", "Right apical pleural thickening.", "Pleural thickening/apex/right",
     "胸膜增厚在哪个位置？", "位于右侧胸膜。"),
]
PLACE_KEPT = [
    ("clips named at the gallbladder", "Cholecystectomy clips are noted.", "Surgical Instruments/abdomen",
     "手术夹在哪个位置？", "手术夹位于胆囊区。"),
    ("a line with its tip", "Left central venous catheter with tip in the SVC.", "Catheters, Indwelling/left",
     "留置导管在哪个位置？", "留置导管见于左侧，尖端位于上腔静脉。"),
    ("lateral as the view, not the place", "Patchy opacity in the left lung base, seen on the lateral view.",
     "Opacity/lung/base/left/patchy", "阴影在哪个位置？", "在左肺底部。"),
    ("a lobe the text names", "Calcified granuloma in the right upper lobe.",
     "Calcified Granuloma/lung/upper lobe/right", "钙化肉芽肿在哪个位置？", "位于右肺上叶。"),
]


@pytest.mark.parametrize("case", PLACE_DROPPED, ids=[c[0] for c in PLACE_DROPPED])
def test_a_location_answer_coarser_than_the_text_is_dropped(case):
    _, findings, mesh, question, answer = case
    assert _verdict(findings, mesh, "location", question, answer) == "place"


@pytest.mark.parametrize("case", PLACE_KEPT, ids=[c[0] for c in PLACE_KEPT])
def test_a_location_answer_with_the_texts_place_is_kept(case):
    _, findings, mesh, question, answer = case
    assert _verdict(findings, mesh, "location", question, answer) is None


@pytest.mark.parametrize("findings,mesh", [
    ("Cholecystectomy clips. The lungs are clear.", "Surgical Instruments/abdomen"),
    ("There is a left chest wall port with catheter tip overlying the mid SVC. The lungs are clear.",
     "Catheters, Indwelling/left"),
    ("Biliary stent incidentally noted. The lungs are clear.", "Stents/abdomen"),
])
def test_the_build_never_keeps_a_location_coarser_than_the_text(findings, mesh):
    kept = _generated(findings, mesh, verified=True)
    assert kept and not [a for q, a in kept if q == "location"], kept


@pytest.mark.parametrize("findings,mesh", [
    ("Cholecystectomy clips. The lungs are clear.", "Surgical Instruments/abdomen"),
    ("Right IJ central line with tip at the cavoatrial junction. The lungs are clear.", "Catheters, Indwelling/right"),
    ("Esophageal stent is present. The lungs are clear.", "Stents/thorax"),
    ("Streaky opacity in the medial left lung base.", "Opacity/lung/base/left/streaky"),
])
def test_the_generator_asks_no_location_coarser_than_the_text(findings, mesh):
    pairs = _generated(findings, mesh)
    assert pairs and not [a for q, a in pairs if q == "location"], pairs


def test_the_generator_still_asks_where_the_text_names_the_place():
    pairs = _generated("Calcified granuloma in the right upper lobe.", "Calcified Granuloma/lung/upper lobe/right")
    assert any(q == "location" and "右肺上叶" in a for q, a in pairs), pairs


# --- 2. a severity only MeSH gives is never rendered nor asked ------------------------------------------------

@pytest.mark.parametrize("findings,mesh,words", [
    ("Levoscoliosis of the thoracic spine. The lungs are clear.", "Scoliosis/thoracic vertebrae/left/moderate",
     "中度"),
    ("The heart is enlarged. The lungs are clear.", "Cardiomegaly/mild", "轻度"),
    ("Right pleural effusion. No pneumothorax.", "Pleural Effusion/right/small", "少量"),
])
def test_a_severity_only_mesh_gives_is_never_rendered_nor_asked(findings, mesh, words):
    pairs = _generated(findings, mesh)
    assert pairs and not [a for _, a in pairs if words in a], pairs
    assert not [q for q, _ in pairs if q == "severity"], pairs


def test_a_severity_the_text_states_is_still_rendered_and_asked():
    pairs = _generated("Moderate levoscoliosis of the thoracic spine.", "Scoliosis/thoracic vertebrae/left/moderate")
    assert any(q == "severity" and "中度" in a for q, a in pairs), pairs


@pytest.mark.parametrize("answer", ["可见胸椎中度侧弯。", "胸椎侧弯为重度。"])
def test_the_verifier_drops_a_severity_the_text_does_not_give(answer):
    findings = "Levoscoliosis of the thoracic spine. The lungs are clear."
    assert _verdict(findings, "Scoliosis/thoracic vertebrae/left/moderate", "presence", "有脊柱侧弯吗？",
                    answer) == "severity"
    assert _verdict("Moderate levoscoliosis of the thoracic spine.", "Scoliosis/thoracic vertebrae/left/moderate",
                    "presence", "有脊柱侧弯吗？", "可见胸椎中度侧弯。") is None


# --- 3. a list that reads as complete names everything or says 等 ---------------------------------------------

INCOMPLETE = [
    ("a hedged statement nothing reads", "Low lung volumes. Question of right hilar fullness, better seen on the "
     "lateral view. No pneumothorax.", "Lung/hypoinflation"),
    ("a technical statement beside a finding", "Patient is rotated with low lung volumes. No effusion.",
     "Lung/hypoinflation"),
    ("a term nothing knows beside a finding", "Thoracic spine osteophytes and DISH. The heart is enlarged.",
     "Osteophyte/thoracic vertebrae;Cardiomegaly"),
]


@pytest.mark.parametrize("case", INCOMPLETE, ids=[c[0] for c in INCOMPLETE])
def test_a_list_the_report_says_more_than_ends_with_deng(case):
    _, findings, mesh = case
    lists = [a for q, a in _generated(findings, mesh) if q == "normality"]
    assert lists and all("等" in a for a in lists), lists
    listed = lists[0].replace("等", "")
    assert _verdict(findings, mesh, "normality", "这张胸片是否正常？", listed) in ("finding left out",
                                                                                  "number of findings")


def test_a_list_of_everything_the_report_states_needs_no_deng():
    findings, mesh = "Low lung volumes. The heart is enlarged. No pneumothorax.", "Lung/hypoinflation;Cardiomegaly"
    lists = [a for q, a in _generated(findings, mesh) if q == "normality"]
    assert lists and not [a for a in lists if "等" in a], lists
    assert _verdict(findings, mesh, "normality", "这张胸片是否正常？", lists[0]) is None


# --- 4. compatible with / suggestive of are positive interpretations ------------------------------------------

@pytest.mark.parametrize("findings,mesh", [
    ("Right basilar opacity compatible with some bronchiectasis and chronic inflammatory change.",
     "Opacity/lung/base/right;Bronchiectasis"),
    ("Hyperexpanded lungs suggestive of emphysema.", "Emphysema"),
])
def test_a_strong_hedge_reads_kaolv_never_to_be_ruled_out(findings, mesh):
    pairs = _generated(findings, mesh)
    hedged = [a for q, a in pairs if q == "presence" and re.search(r"考虑|可能性大|不除外|待排除|可疑", a)]
    assert hedged and all(re.search(r"考虑|可能性大", a) for a in hedged), hedged


def test_a_weak_hedge_still_reads_to_be_ruled_out():
    pairs = _generated("Question of bronchiectasis in the right base.", "Bronchiectasis/right")
    hedged = [a for q, a in pairs if q == "presence"]
    assert hedged and not [a for a in hedged if re.search(r"考虑|可能性大", a)], hedged


@pytest.mark.parametrize("findings,mesh,answer", [
    ("Right basilar opacity compatible with some bronchiectasis and chronic inflammatory change.",
     "Opacity/lung/base/right;Bronchiectasis", "支气管扩张待排除。"),
    ("Right lower lobe opacity, likely pneumonia.", "Pneumonia/lower lobe/right", "可疑右肺下叶肺炎，不除外。"),
    ("Possible small right pleural effusion.", "Pleural Effusion/right/small", "考虑为右侧少量胸腔积液。"),
])
def test_the_verifier_drops_a_hedge_of_the_wrong_strength(findings, mesh, answer):
    assert _verdict(findings, mesh, "presence", "有吗？", answer) == "certainty"


@pytest.mark.parametrize("findings,mesh,answer", [
    # (考虑…可能 weakens a strong hedge: issue 20, blind 6)
    ("Right lower lobe opacity, likely pneumonia.", "Pneumonia/lower lobe/right", "考虑为右肺下叶肺炎。"),
    ("Right lower lobe opacity, likely pneumonia.", "Pneumonia/lower lobe/right", "右肺下叶肺炎可能性大。"),
    ("Possible small right pleural effusion.", "Pleural Effusion/right/small", "可能存在右侧少量胸腔积液，不除外。"),
])
def test_the_verifier_keeps_a_hedge_of_the_reports_strength(findings, mesh, answer):
    assert _verdict(findings, mesh, "presence", "有吗？", answer) is None


@pytest.mark.parametrize("findings,mesh,question,dropped,kept", [
    ("Right basilar opacity compatible with some bronchiectasis.", "Opacity/lung/base/right;Bronchiectasis",
     "有支气管扩张吗？", "考虑为支气管扩张。", "考虑为少许支气管扩张。"),
    ("There is some streaky opacity in the left base.", "Opacity/lung/base/left/streaky", "有阴影吗？",
     "可见左肺底部条索状阴影。", "可见左肺底部少许条索状阴影。"),
])
def test_some_is_a_quantity_the_answer_keeps(findings, mesh, question, dropped, kept):
    assert _verdict(findings, mesh, "presence", question, dropped) == "qualifier"
    assert _verdict(findings, mesh, "presence", question, kept) is None


# --- 5. a side the lobe's name carries -----------------------------------------------------------------------

@pytest.mark.parametrize("findings,mesh,answer", [
    # the report gives the finding on both sides, so the side alone does not contradict it; the lobe does
    ("Right middle lobe and left lower lobe opacities.",
     "Opacity/lung/middle lobe/right;Opacity/lung/lower lobe/left", "可见左肺中叶阴影、右肺下叶阴影。"),
    ("Left basilar and right middle lobe atelectasis.",
     "Pulmonary Atelectasis/left/base;Pulmonary Atelectasis/middle lobe/right", "可见左肺中叶肺不张。"),
    ("Left lung nodule. Right middle lobe nodule.", "Nodule/left;Nodule/middle lobe/right", "可见左肺中叶结节。"),
    ("Right lower lobe and lingular atelectasis.", "Pulmonary Atelectasis/lower lobe/right;"
     "Pulmonary Atelectasis/lingula", "可见右肺舌段肺不张。"),
])
def test_a_place_the_other_lung_does_not_have_is_a_side_error(findings, mesh, answer):
    assert _verdict(findings, mesh, "presence", "有异常吗？", answer) == "side"


def test_a_middle_lobe_without_a_side_word_is_on_the_right():
    findings, mesh = "Opacity in the middle lobe.", "Opacity/lung/middle lobe"
    assert _verdict(findings, mesh, "location", "阴影在哪个位置？", "位于左侧。") == "side"
    assert _verdict(findings, mesh, "location", "阴影在哪个位置？", "位于右肺中叶。") is None


# --- 6. the reader's table names a bad row by its line in the file ---------------------------------------------

def test_a_bad_row_of_the_reading_table_after_comments_is_named_by_its_real_line(tmp_path):
    from medqa.data.verify.reader import TableError, load_table

    bad = tmp_path / "reading.tsv"
    bad.write_text("# a comment\n# another\nconcept\tzh\ten\tbenign\tcritical\n"
                   "effusion\t胸腔积液\tpleural effusion\tno\tno\n# a comment between rows\n"
                   "mass\t肿块\tmass\tmaybe\tyes\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"reading.tsv:6: benign and critical"):
        load_table(bad)
