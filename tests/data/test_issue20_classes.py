"""The classes an independent reader found on unseen reports (issue 20), each as the build writes it: the rule
generator's pairs after the verifier. `never`: no kept answer contains it; `kept`: some kept answer contains it."""

import re

import pytest

from medqa.data.records import Report, SkipLog, XrayImage
from medqa.data.rule import RuleGenerator
from medqa.data.verify import Verifier
from medqa.vocab.mesh import parse_mesh

ABNORMAL = r"^(?:不正常|有异常|异常|这张胸片不正常)"  # a normality answer that lists abnormalities
CASES = {
    "perihilar is 肺门周围, never the normal hilar shadow": (
        "Opacity/lung/hilum/bilateral", "Increased perihilar opacities bilaterally. No pneumothorax.", "",
        [r"肺门阴影", r"肺门周围明显"], r"肺门周围阴影增多"),
    "tracheostomy tube is 气管切开套管, never intubation": (
        "Tube, Inserted/trachea", "Tracheostomy tube is present. The lungs are clear.", "", ["气管内置管"],
        "气管切开套管"),
    "surgical clips are 手术夹, never a retained instrument": (
        "Surgical Instruments/abdomen", "Surgical clips are present in the abdomen. The lungs are clear.", "",
        ["手术器械"], "手术夹"),
    "prominent mediastinal contour is 纵隔轮廓突出, never 纵隔增宽": (
        "Mediastinum/prominent", "Prominent mediastinum. The lungs are clear.", "", ["纵隔增宽", "纵隔.{0,2}增宽"],
        "纵隔轮廓突出"),
    "subsegmental atelectasis keeps its qualifier": (
        "Pulmonary Atelectasis/lung/lower lobe/left", "Subsegmental atelectasis in the left lower lobe.", "",
        [r"可见[^。]*(?<!亚段)(?<!盘状)肺不张"], "左肺下叶亚段肺不张"),
    "osteopenia and degenerative changes are never merged": (
        "Bone Diseases, Metabolic/mild/degenerative", "Mild osteopenia, degenerative changes. The lungs are clear.",
        "", ["退行性骨量减少"], None),
    "a severity is never given to the wrong one of two states": (
        "Aorta/enlarged/tortuous/mild", "Dilated slightly tortuous aorta. The lungs are clear.", "",
        ["主动脉轻度增宽"], None),
    "sides the findings and impression disagree on are not asked": (
        "Cavitation/lung/upper lobe/left;Cavitation/lung/upper lobe/right", "Left upper lobe cavity.",
        "Right upper lobe cavity.", ["左肺上叶空洞、右肺上叶空洞", "右肺上叶空洞、左肺上叶空洞"], None),
    "a finding only MeSH supports is not used": (
        "Spine/degenerative", "Endplate changes compatible with sickle cell disease. The lungs are clear.", "",
        ["退行性变"], None),
    "an absent answer the same film contradicts is not given": (
        "Calcified Granuloma/lung/upper lobe/right", "Calcified granuloma in the right upper lobe. No nodules.", "",
        ["未见结节", "未见.{0,4}结节"], "钙化肉芽肿"),
    "normal is never claimed beside post-surgical changes": (
        "normal", "Postsurgical changes of the cervical spine. The lungs are clear. Heart size normal.",
        "No acute cardiopulmonary disease.", ["未见明显异常", "正常"], None),
    "concerning for aortic dissection gets a hedged answer": (
        "Aortic Dissection", "The lungs are clear.", "Findings concerning for aortic dissection.",
        [r"(?<!考虑为)(?<!不除外)主动脉夹层(?!可能)", "可见主动脉夹层"], r"(?:考虑为|不除外)主动脉夹层"),
    "an abnormality list names all findings or says 等": (
        "Cardiomegaly", "The heart is enlarged. Small right pleural effusion. Small left pneumothorax.", "",
        [ABNORMAL + r"(?!.*(?:等|另见|胸腔积液.*气胸|气胸.*胸腔积液))"], None),
    "a critical finding with an unknown qualifier is never lost": (
        "Mass/lung/upper lobe/right/lobulated;Cardiomegaly/mild", "Lobulated right upper lobe mass. Mild cardiomegaly.",
        "Right upper lobe mass. Mild cardiomegaly.", [ABNORMAL + r"(?!.*(?:肿块|等|另见))", r"^心脏轻度增大。$"], None),
}


def _kept(mesh, findings, impression):
    report = Report(uid="1", mesh=parse_mesh(mesh), findings=findings, impression=impression,
                    images=[XrayImage("1_IM-0001-1001.dcm.png", "Frontal")])
    answers = []
    for seed in range(4):  # every phrasing of the normality and presence answers
        qa = RuleGenerator(seed=seed).generate_all([report], SkipLog())
        answers += [p.answer for p in Verifier().filter([report], qa, SkipLog()).get("1", [])]
    return answers


@pytest.mark.parametrize("name", list(CASES))
def test_class(name):
    mesh, findings, impression, never, kept = CASES[name]
    answers = _kept(mesh, findings, impression)
    for pattern in never:
        assert not [a for a in answers if re.search(pattern, a)], (pattern, answers)
    if kept:
        assert any(re.search(kept, a) for a in answers), (kept, answers)
