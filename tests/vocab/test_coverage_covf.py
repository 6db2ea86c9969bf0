"""Issue 20 coverage (findings sentences, helper covf): node stations above, below and beneath the hilum and the
carina, obstructive lung disease (never 慢性), postsurgical and abdominal clips, clavicular fractures, diffuse,
confluent and reticulonodular opacities, degenerative osteophytes and the mid to lower thoracic spine, each
rendered whole (English in, exact Chinese out), and near neighbours the grammar still refuses."""

import pytest

from medqa.data.verify.reader import read_reply
from medqa.vocab.sentences import read_sentence

RENDERED = [
    ("Right suprahilar calcified lymph nodes.", "右肺门上方淋巴结钙化"),
    ("There is a stable calcified granuloma in the infrahilar right lung.", "右肺门下方钙化肉芽肿，较前稳定"),
    ("Right infrahilar opacity.", "右肺门下方阴影"),
    ("Stable calcified superior mediastinal lymph nodes.", "上纵隔淋巴结钙化，较前稳定"),
    ("Calcified right hilar and infracarinal lymph nodes are seen.", "右侧肺门淋巴结钙化及隆突下淋巴结钙化"),
    ("Hyperexpanded lungs suggesting obstructive lung disease.", "双肺过度充气，考虑为阻塞性肺疾病"),
    ("Lungs are overall hyperexpanded consistent with obstructive lung disease.", "双肺过度充气，符合阻塞性肺疾病"),
    ("There are postsurgical clips in the right upper quadrant.", "右上腹手术夹"),
    ("Stable left abdominal surgical clips.", "左侧腹部手术夹，较前稳定"),
    ("Old right clavicular fracture is again noted.", "仍可见右侧锁骨陈旧性骨折"),
    ("There are diffusely increased interstitial opacities bilaterally.", "双侧弥漫性间质性阴影增多"),
    ("Negative for focal confluent airspace disease.", "未见局灶性融合性气腔病变"),
    ("Diffuse bilateral reticulonodular interstitial opacities.", "双侧弥漫性网状结节状间质性阴影"),
    ("Mild degenerative osteophytes in the thoracic spine.", "胸椎轻度退行性骨赘"),
    ("Degenerative T-spine osteophytes.", "胸椎退行性骨赘"),
    ("There are degenerative changes throughout the midlower thoracic spine.", "中下段胸椎退行性变"),
    ("Spondylosis of the midthoracic spine with large anterior osteophyte formations.",
     "中段胸椎退行性变，伴前部大骨赘"),
]

REFUSED = [
    "Calcified lymph nodes in the left infrahilar region.",  # 'region' after a place adjective: not read
    "Degenerative pneumonia.",  # a degenerative disease of the lung is no finding: never 退行性肺炎
    "Degenerative nodule.",
    "Calcified right hilar and infracarinal XXXX.",  # a masked noun stays unread
    "Suprahilar fullness.",  # fullness is no word of the grammar
    "Obstructive pneumonia.",  # obstructive is no modifier of its own
]


@pytest.mark.parametrize(("english", "chinese"), RENDERED)
def test_sentence_rendered_whole(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize("english", REFUSED)
def test_neighbour_refused(english):
    assert read_sentence(english)[0] is None


def test_obstructive_lung_disease_is_not_chronic():
    zh, facts = read_sentence("Hyperexpanded lungs consistent with obstructive lung disease.")
    assert "慢性" not in zh
    assert [f.key for f in facts][-1] == "pulmonary disease, chronic obstructive"


def test_verifier_reads_obstructive_lung_disease():
    # The verifier's own table reads 阻塞性肺疾病 (with or without 慢性) as the COPD family it indexes.
    concepts = {r.concept for r in read_reply("有哪些异常？", "双肺过度充气，符合阻塞性肺疾病。")}
    assert "copd" in concepts


def test_stations_are_two_findings():
    _zh, facts = read_sentence("Calcified left hilar and subcarinal lymph nodes.")
    assert [f.term.qualifiers for f in facts] == [("lymph nodes", "left", "hilum"), ("lymph nodes", "infracarinal")]
