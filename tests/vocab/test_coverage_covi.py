"""Issue 20 coverage (impressions of reports without a findings section): sentence shapes impressions use that left
the whole impression unread, each rendered in full (English in, exact Chinese out), with the near neighbours the
grammar must still refuse and the facts the new shapes state."""

import pytest

from medqa.vocab.clauses import ABSENT, PRESENT
from medqa.vocab.sentences import read_section, read_sentence, render_section

RENDERED = [
    # a place right after its head, its preposition left out
    ("Minimal atelectasis right base.", "右肺底部轻微肺不张"),
    ("Minimal spurring thoracic spine.", "胸椎轻微骨赘"),
    ("Eventration right diaphragm.", "右侧膈膨升"),
    # 'peripheral' is placed before the descriptors, as a radiologist orders it
    ("Calcified left upper lobe peripheral granuloma.", "左肺上叶外周钙化肉芽肿"),
    # comparisons with the earlier film
    ("Hiatal hernia as before.", "食管裂孔疝，同前"),
    ("Hyperinflated lungs as before compatible with emphysema.", "双肺过度充气，同前，考虑为肺气肿"),
    ("Slightly dilated tortuous aorta, unchanged.", "主动脉轻度增宽，主动脉迂曲，较前无变化"),
    ("Tortuous dilated aorta.", "主动脉迂曲，主动脉增宽"),
    # heart size as impressions say it
    ("Heart size near top normal limits, stable mediastinal contours.", "心脏大小接近正常上限，纵隔轮廓较前稳定"),
    ("Heart size mildly enlarged for technique.", "心脏轻度增大（考虑投照因素）"),
    # full stops and commas lost in dictation
    ("Heart size is normal lungs are clear.", "心脏大小正常，双肺清晰"),
    ("Lungs are clear no effusions or edema.", "双肺清晰，未见胸腔积液或肺水肿"),
    ("No nodules masses or infiltrates.", "未见结节、肿块或浸润影"),
    ("Comparison XXXX, XXXX Well-expanded and clear lungs.", "双肺膨胀良好，清晰"),
]

REFUSED = [
    "No effusion pneumothorax.",  # a bare noun never joins a negated list without its comma
    "No pneumothorax small effusion.",  # nor does a described finding
    "Heart size is normal in the lungs are clear.",  # a dictation slip the grammar cannot undo
    "Effusion for technique.",  # only a subject's statement is judged for technique
    "Comparison XXXX scan for further evaluation.",  # a masked word that is not a date
    "Comparison, XXXX chest.",
    "Calcified aortic XXXX.",  # the masked part of the aorta is never guessed
]


@pytest.mark.parametrize(("english", "chinese"), RENDERED)
def test_the_sentence_renders_whole(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize("english", REFUSED)
def test_near_neighbours_stay_unread(english):
    assert read_sentence(english)[0] is None


def test_a_comparison_line_with_a_masked_date_drops_out_like_a_technique_line():
    sentences = read_section("Comparison XXXX, XXXX. No acute cardiopulmonary abnormality.")
    assert [s.zh for s in sentences] == ["", "心肺未见急性异常"]
    assert render_section(sentences) == "心肺未见急性异常。"
    assert render_section(read_section("Comparison XXXX, XXXX.")) is None  # nothing left to say


def test_a_run_on_sentence_states_the_facts_of_both_halves():
    _zh, facts = read_sentence("Lungs are clear no effusions or edema.")
    assert all(f.parsed for f in facts)  # read by the grammar, not guessed by the keyword extractor
    assert [(f.key, f.status) for f in facts] == [("pleural effusion", ABSENT), ("pulmonary edema", ABSENT)]


def test_a_place_right_after_its_head_keeps_its_qualifiers():
    _zh, facts = read_sentence("Minimal atelectasis right base.")
    assert [(f.key, f.status) for f in facts] == [("pulmonary atelectasis", PRESENT)]
    assert {"minimal", "right", "base"} <= set(facts[0].term.qualifiers)


SHARED_HEAD = [
    ("Left hilar and left base granulomas.", "左肺门区肉芽肿及左肺底部肉芽肿"),
    ("Right apical and left base calcified granulomas.", "右肺尖部钙化肉芽肿及左肺底部钙化肉芽肿"),
    ("Right upper lobe and left lower lobe calcified granulomas.", "右肺上叶钙化肉芽肿及左肺下叶钙化肉芽肿"),
    ("Right and left basilar opacities.", "右肺底部阴影及左肺底部阴影"),  # 'basilar' is both sides' place
    ("Calcified right and left hilar lymph nodes.", "右侧肺门淋巴结钙化及左侧肺门淋巴结钙化"),
]
SHARED_HEAD_REFUSED = [
    "Right upper and left lower lobe opacities.",  # 'upper' alone is no place: which lobe is not said
    "Right upper lobe and lower lobe opacities.",  # whether 'right' is the lower lobe's side too is not said
    "Right hilar and paratracheal adenopathy.",
]


@pytest.mark.parametrize(("english", "chinese"), SHARED_HEAD)
def test_two_places_sharing_one_head_name_the_finding_at_each(english, chinese):
    zh, facts = read_sentence(english)
    assert zh == chinese
    assert len(facts) == 2 and facts[0].term.head == facts[1].term.head
    assert facts[0].term.qualifiers != facts[1].term.qualifiers  # each at its own place


@pytest.mark.parametrize("english", SHARED_HEAD_REFUSED)
def test_places_whose_side_is_unclear_stay_unread(english):
    assert read_sentence(english)[0] is None


MORE = [
    ("Otherwise the mediastinal silhouette and pulmonary vascularity are within normal limits.",
     "余纵隔轮廓及肺血管纹理在正常范围内"),  # 'otherwise' before its subject
    ("Otherwise lung parenchyma is clear.", "余肺实质清晰"),
    ("Otherwise, clear lungs.", "余肺清晰"),
    ("No signs of acute cardiopulmonary disease, unchanged.", "心肺未见急性病变，较前无变化"),
    ("No acute cardiopulmonary disease on this exam.", "本次检查心肺未见急性病变"),
    ("A tortuous and dilated aorta.", "主动脉迂曲，主动脉增宽"),  # the article adds nothing
    ("Lungs are hyper expanded consistent with COPD.", "双肺过度充气，符合慢性阻塞性肺疾病"),
    ("Over expanded lungs.", "双肺过度充气"),
]
MORE_REFUSED = [
    "Otherwise the heart is enlarged.",  # 'otherwise' only before a subject's normal statement it can carry
    "Effusion on this exam.",  # 'on this exam' only after a negation
]


@pytest.mark.parametrize(("english", "chinese"), MORE)
def test_more_impression_shapes_render_whole(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize("english", MORE_REFUSED)
def test_more_near_neighbours_stay_unread(english):
    assert read_sentence(english)[0] is None


def test_a_few_keeps_its_article():
    assert read_sentence("A few calcified granulomas.")[0] == "数个钙化肉芽肿"


def test_two_stations_of_calcified_nodes_each_keep_calcified():
    zh, facts = read_sentence("Calcified right paratracheal and right hilar lymph nodes unchanged.")
    assert zh == "右侧气管旁淋巴结钙化及右侧肺门淋巴结钙化，较前无变化"
    assert [f.term.head for f in facts] == ["calcinosis", "calcinosis"]


def test_one_head_at_two_places_after_it():
    zh, _facts = read_sentence("Small calcified granulomas in in right upper lobe and left lower lobe.")
    assert zh == "右肺上叶小钙化肉芽肿及左肺下叶小钙化肉芽肿"  # the word typed twice is read once
    assert read_sentence("Opacities in the right upper lobe and lower lobe.")[0] is None  # whose side is 'lower'


@pytest.mark.parametrize("english", [
    "Atelectasis versus scar left lung base.",  # a bare place after a list: whose place it is, is not said
    "Minimal scarring or atelectasis left lung base.",
])
def test_a_bare_place_after_a_list_stays_unread(english):
    assert read_sentence(english)[0] is None


@pytest.mark.parametrize(("english", "chinese"), [
    ("No suspicious masses or nodules.", "未见可疑肿块或结节"),  # 'suspicious' is no plural noun of a list
    ("Scoliosis and degenerative changes of the thoracic spine.", "脊柱侧弯及胸椎退行性变"),
])
def test_neighbours_keep_their_reading(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize(("english", "chinese"), [
    ("Mild nonspecific biapical pleural thickening.", "双侧肺尖胸膜轻度非特异性增厚"),  # 'nonspecific' is kept
    ("Enlarged left ventricle.", "左心室增大"),
    ("Exam is technically limited by patient's body habitus.", "受患者体型影响，检查在技术上受限"),
    ("Increasing cardiomegaly.", "心脏增大，较前加重"),  # the change since the last film is kept
    ("Enlarging right hilar adenopathy.", "右肺门区淋巴结肿大，较前增大"),
    ("Decreasing left effusion.", "左侧胸腔积液，较前减轻"),
])
def test_words_impressions_use(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize("english", ["No increasing effusion.", "Exam is technically limited by rotation."])
def test_words_impressions_use_near_neighbours(english):
    assert read_sentence(english)[0] is None


@pytest.mark.parametrize(("english", "chinese"), [
    ("Mild cardiomegaly remains stable.", "心脏轻度增大，较前稳定"),
    ("Small left pleural effusion appears unchanged.", "左侧少量胸腔积液，较前无变化"),
])
def test_a_finding_that_remains_stable_or_appears_unchanged(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize(("english", "chinese"), [
    ("Persistent stable right basilar atelectasis.", "仍可见右肺底部肺不张，较前稳定"),  # was 右肺底部肺不张，较前稳定
    ("Findings consistent with worsening interstitial lung disease.", "符合肺间质改变，较前加重"),
])
def test_every_wrapper_of_a_stated_finding_is_said(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize(("english", "chinese"), [
    ("No focal lung opacity, pleural effusion of pneumothorax.", "未见肺局灶性阴影、胸腔积液或气胸"),  # 'of' for 'or'
    ("Negative acute cardiopulmonary abnormality.", "心肺未见急性异常"),
    ("Low volume study without definite acute process.", "肺容积减小，未见明确急性病变"),
])
def test_impression_lines_of_reports_with_findings(english, chinese):
    assert read_sentence(english)[0] == chinese


def test_the_studys_name_as_a_heading_drops_out():
    sentences = read_section("Chest radiograph. 1. No acute radiographic cardiopulmonary process.")
    assert sentences[0].zh == ""
    assert read_sentence("Negative acute fracture.")[0] is None  # 'negative' only before the whole-study words


@pytest.mark.parametrize(("english", "chinese"), [
    ("Stable exam with no acute abnormality seen.", "较前无明显变化，未见急性异常"),
    ("Unchanged exam without acute abnormality.", "较前无明显变化，未见急性异常"),
])
def test_a_stable_exam_with_a_negation(english, chinese):
    assert read_sentence(english)[0] == chinese


def test_a_stable_exam_with_a_stated_finding_stays_unread():
    assert read_sentence("Stable study with effusion.")[0] is None


def test_a_curve_named_by_its_apex():
    assert read_sentence("Mild right apex curvature of the lower thoracic spine.")[0] == "轻度下段胸椎右凸侧弯"


def test_a_with_part_ends_at_the_comma():
    zh, facts = read_sentence("Low lung volumes with bronchovascular crowding, no acute cardiopulmonary finding.")
    assert zh == "肺容积减小，伴支气管血管纹理聚拢，心肺未见急性病变"
    assert [f.status for f in facts] == [PRESENT, PRESENT, ABSENT]
