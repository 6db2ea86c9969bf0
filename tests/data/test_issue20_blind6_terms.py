"""The sixth blind reading of issue 20, classes of place and term: MeSH anatomy the text does not give its finding,
the film's view, an abnormality list that reads as complete, and place words a location answer drops. Each on
self-made reports in other wordings and findings than the reading's."""

import functools
import random

import pytest

from medqa.data.qa import QAPair
from medqa.data.rule import projection_pair
from medqa.data.rule.phrasing import Wording
from medqa.data.verify import Verifier, check_pair, report_truth
from tests.helpers.issue20 import generated, make_report, verdict

PA_TITLE = "Xray Chest PA and Lateral"  # the exam title most Open-i reports carry
_report = functools.partial(make_report, technique=PA_TITLE)
_verdict = functools.partial(verdict, technique=PA_TITLE)
_generated = functools.partial(generated, technique=PA_TITLE)


# --- 2. the film's view: the report's sentences outrank its exam title --------------------------------------------

VIEWS = [
    # (id, exam title, findings + impression, the view the frontal answer must name ("" = 正位 alone), never named)
    ("a lordotic film ordered PA", "Xray Chest PA and Lateral", "Apical lordotic frontal projection. Lungs clear.",
     "前弓位", "后前位"),
    ("lordotic in projection, supine", "Chest 2 views", "Frontal supine view is lordotic in projection.",
     "前弓位", "后前位"),
    ("a portable film ordered PA", "Xray Chest PA and Lateral", "Portable upright film. Heart is normal.",
     "床旁", "后前位"),
    ("a recommended lordotic view is not this film", "Xray Chest PA and Lateral",
     "Lungs are clear. Recommend apical lordotic views for further evaluation.", "后前位", "前弓位"),
    ("no view named", "Chest two views", "Heart size is normal. Lungs are clear.", "", "后前位|前后位|前弓位"),
    ("an AP/PA title names neither", "TWO-VIEW CHEST (AP/PA and lateral)", "Lungs are clear.", "",
     "后前位|前后位|前弓位"),
    ("PA and decubitus views: which one is this?", "Chest PA, lateral and decubitus",
     "No layering effusion on the decubitus film.", "", "后前位|前后位|前弓位"),
]


@pytest.mark.parametrize("case", VIEWS, ids=[c[0] for c in VIEWS])
def test_the_frontal_answer_names_the_view_the_report_names(case):
    _, title, body, must, never = case
    answers = {projection_pair("Frontal", title, Wording(random.Random(s)), body).answer for s in range(8)}
    for answer in answers:
        assert "正位" in answer or must in answer, answer
        if must:
            assert must in answer, answers
        for word in never.split("|"):
            assert word not in answer, answers


@pytest.mark.parametrize("answer, title, body, dropped", [
    ("这是正位（后前位）胸片。", "Xray Chest PA and Lateral", "This is an apical lordotic view.", True),
    ("后前位（正位）胸片。", "Chest 2 views", "Heart is normal. No effusion.", True),
    ("这是正位（前弓位）胸片。", "Xray Chest PA and Lateral", "Lungs clear. Recommend lordotic views.", True),
    ("这是正位（床旁前后位）胸片。", "Chest AP", "Supine film. Lungs clear.", True),
    ("这是正位（前弓位）胸片。", "Xray Chest PA and Lateral", "Lordotic projection. Lungs clear.", False),
    ("这是正位（后前位）胸片。", "Xray Chest PA and Lateral", "Heart is normal. Lungs clear.", False),
    ("这是正位胸片。", "Xray Chest PA and Lateral", "Apical lordotic frontal view.", False),
    ("这是正位（后前位）胸片。", "Xray Chest PA and Lateral", "Increased AP dimension of the chest.", False),
])
def test_the_verifier_drops_a_view_the_report_does_not_name(answer, title, body, dropped):
    report = _report(body, "", "normal", technique=title)
    assert Verifier().keep_projection(report, QAPair("这是哪种体位的胸片？", answer, "projection")) is not dropped
    verdict = check_pair(QAPair("这是哪种体位的胸片？", answer, "projection"), report_truth(report),
                         f"{title} {body}", body)
    assert (verdict == "projection") is dropped, verdict


# --- 3. an abnormality list reads as complete only when it is: a lost full stop hides no finding -------------------

RUN_ON = [
    # (id, findings, mesh: only the finding the list can name)
    ("markings run into the clear lungs", "Heart is normal. Coarse chronic-appearing interstitial markings The lungs "
     "are well expanded and clear. Degenerative changes of the thoracic spine.", "Thoracic Vertebrae/degenerative"),
    ("fine markings run into 'The lungs are well aerated'", "Mild cardiomegaly. Fine reticular interstitial "
     "markings The lungs are well aerated and otherwise clear.", "Cardiomegaly/mild"),
]


@pytest.mark.parametrize("case", RUN_ON, ids=[c[0] for c in RUN_ON])
def test_a_finding_without_its_full_stop_is_still_something_else(case):
    _, findings, mesh = case
    lists = [a for q, a in _generated(findings, mesh, "No acute cardiopulmonary process.") if q == "normality"]
    assert lists and all("等" in a for a in lists), lists
    named = lists[0].split("可见")[1].split("等")[0]
    report = _report(findings, "No acute cardiopulmonary process.", mesh)
    verdict = check_pair(QAPair("这张胸片是否正常？", f"不正常。可见{named}；心肺未见急性病变。", "normality"),
                         report_truth(report))
    assert verdict in ("finding left out", "number of findings"), verdict


# --- 1. a MeSH structure the text gives as a neighbour, or names as another structure -----------------------------

NEIGHBOUR = [
    # (id, findings, mesh, Chinese no closed answer may hold)
    ("a nodule projecting over the right heart", "A 6 mm nodule projects over the right heart border.",
     "Nodule/heart/right", "心脏"),
    ("a density overlying the aorta", "Small density overlying the aortic knob. No effusion.", "Density/aorta",
     "主动脉"),
    ("fissure thickening is not pleural thickening", "Minor fissure thickening on the lateral view. Heart normal.",
     "Thickening/pleura/right", "胸膜"),
]


@pytest.mark.parametrize("findings, mesh, answer", [
    ("Linear densities over the heart, likely coronary stents.", "Density/heart", "可见心脏密度增高影。"),
    ("A 7 mm nodule abutting the left heart border.", "Nodule/heart/left", "可见左侧心脏结节。"),
    ("Apical fibronodular thickening bilaterally. Lungs clear.", "Thickening/pleura/apex/bilateral",
     "可见双侧肺尖胸膜增厚。"),
])
def test_the_verifier_drops_a_structure_the_finding_is_only_beside(findings, mesh, answer):
    assert _verdict(findings, mesh, "presence", "有没有异常？", answer) in ("place", "finding not in report")


@pytest.mark.parametrize("case", NEIGHBOUR, ids=[c[0] for c in NEIGHBOUR])
def test_a_mesh_structure_the_finding_is_only_beside_is_not_its_place(case):
    _, findings, mesh, never = case
    pairs = _generated(findings, mesh)
    assert not [a for q, a in pairs if q in ("presence", "location", "normality") and never in a], pairs
    lists = [a for q, a in pairs if q == "normality" and "可见" in a]
    assert all("等" in a for a in lists), lists


# --- 4. a location answer carries the text's own place words -------------------------------------------------------

PLACES_DROPPED = [
    # (id, findings, mesh, location answer that drops a place word of the text)
    ("a segment is not a part", "Patchy opacity in the anterior segment of the left upper lobe.",
     "Opacity/lung/upper lobe/left/anterior/patchy", "阴影位于左肺上叶前部。"),
    ("left greater than right", "Bilateral lower lobe infiltrates, left greater than right.",
     "Infiltrate/lung/lower lobe/bilateral", "浸润影位于双肺下叶。"),
    ("mid chest", "Calcified pleural plaque in the right mid chest.", "Calcinosis/pleura/right",
     "钙化位于右侧胸膜。"),
    ("upper thoracic", "Mild deformity of an upper thoracic vertebral body.", "Deformity/thoracic vertebrae/mild",
     "畸形位于胸椎。"),
    ("central lungs", "Reticular opacities predominantly in the central lungs.", "Opacity/lung/bilateral/reticular",
     "网状阴影位于双肺。"),
]


@pytest.mark.parametrize("case", PLACES_DROPPED, ids=[c[0] for c in PLACES_DROPPED])
def test_a_location_without_the_texts_place_word_is_dropped(case):
    _, findings, mesh, answer = case
    assert _verdict(findings, mesh, "location", "在哪个位置？", answer) == "place"


def test_a_lobe_segment_is_rendered_as_a_segment():
    pairs = _generated("A 2 cm nodule in the posterior segment of the left upper lobe.", "Nodule/lung/upper lobe/left/"
                       "posterior")
    located = [a for q, a in pairs if q == "location"]
    assert located and all("左肺上叶后段" in a for a in located), pairs
    assert not [a for q, a in pairs if "后部" in a], pairs


def test_a_hilar_finding_keeps_the_side_the_text_gives():
    pairs = _generated("Right hilar fullness. Lungs otherwise clear.", "Lung/hilum/enlarged", "Right hilar fullness.")
    named = [a for q, a in pairs if q in ("presence", "normality") and "肺门" in a]
    assert named and all("右" in a for a in named), pairs


def test_nodes_at_two_stations_are_named_by_their_stations():
    findings = "Calcified left hilar and left paratracheal lymph nodes, unchanged. Lungs clear."
    mesh = "Calcinosis/lung/hilum/lymph nodes/left; Calcinosis/lymph nodes/left/paratracheal"
    pairs = _generated(findings, mesh, verified=True)
    named = [a for q, a in pairs if q in ("presence", "normality") and "钙化" in a]
    assert named and all("肺门" in a and "气管旁" in a for a in named), pairs


@pytest.mark.parametrize("findings, mesh, answer", [
    ("Mild lateral left atelectasis. Heart normal.", "Pulmonary Atelectasis/left/mild", "左肺轻度不张。心脏正常。"),
    ("Patchy opacity in the superior segment of the right lower lobe.", "Opacity/lung/lower lobe/right/patchy",
     "右肺下叶斑片状阴影。"),
])
def test_a_description_keeps_the_part_of_the_lung(findings, mesh, answer):
    assert _verdict(findings, mesh, "description", "请描述这张胸片。", answer) == "place"
