"""Issue 20 coverage: sentences that left whole findings sections unread, each rendered in full (English in, exact
Chinese out), and near neighbours the grammar still refuses."""

import pytest

from medqa.vocab.sentences import read_sentence

RENDERED = [
    ("An unchanged cardiomediastinal silhouette.", "心影及纵隔较前无变化"),  # the article adds nothing
    ("The cardiomediastinal silhouette is normal and unchanged compared to prior examination.",
     "心影及纵隔正常，较前无变化"),
    ("The heart is stable compared to prior exam.", "心脏较前稳定"),
    ("The lungs are grossly clear of focal airspace disease, pneumothorax, or pleural effusion.",
     "双肺大致未见局灶性气腔病变、气胸或胸腔积液"),  # the adverb is kept
    ("The lungs are essentially free of focal airspace disease.", "双肺基本未见局灶性气腔病变"),
    ("Normal vascular markings.", "肺血管纹理正常"),
    ("Normal heart size and hilar vascular markings.", "心脏大小及肺门血管影正常"),  # hilar, never the lungs'
    ("Normal heart size, mediastinal and aortic contours.", "心脏大小、纵隔及主动脉轮廓正常"),
    ("Calcific aorta.", "主动脉钙化"),
    ("The patient was shielded.", ""),  # says nothing about the film
    ("Two-view chest.", ""),  # technique lines
    ("Apical lordotic frontal view.", ""),
    ("This is an apical lordotic view the chest.", ""),
    ("The heart is normal in size with normal appearance of the cardiomediastinal silhouette.",
     "心脏大小正常，心影及纵隔形态正常"),
    ("Heart and mediastinum are stable with normal sized heart.", "心脏及纵隔较前稳定，心脏大小正常"),
    ("Normal distribution of the pulmonary vascularity.", "肺血管纹理分布正常"),
    ("Normal aeration of the lungs.", "双肺充气正常"),
    ("Normal heart size mediastinal contours.", "心脏大小及纵隔轮廓正常"),  # a list's comma left out
    ("The cardiac silhouette mediastinal contours are within normal limits.", "心影及纵隔轮廓在正常范围内"),
    ("Sternotomy changes are again noted.", "仍可见胸骨正中切开术后改变"),
    ("Calcified tortuous aorta.", "主动脉钙化，主动脉迂曲"),  # both states, each said
    ("Tortuous calcified aorta.", "主动脉迂曲，主动脉钙化"),
    ("Calcific granulomas in the right upper lobe.", "右肺上叶钙化肉芽肿"),
    ("Changes of prior right mastectomy.", "右侧乳房切除术后"),
    ("Calcified granuloma right upper lobe.", "右肺上叶钙化肉芽肿"),  # 'in the' left out
    ("Calcified granuloma, right base.", "右肺底部钙化肉芽肿"),
    ("Left axillary surgical clips.", "左侧腋窝手术夹"),  # was 左侧手术夹: the axilla was dropped
    ("Scattered calcified granulomas also seen.", "散在钙化肉芽肿"),
    ("The lungs are mildly hypoinflated but grossly clear of focal airspace disease, pneumothorax, or pleural "
     "effusion.", "双肺容积轻度减小，双肺大致未见局灶性气腔病变、气胸或胸腔积液"),
]

REFUSED = [
    "The lungs are grossly clear of XXXX.",  # a masked word after the adverb
    "The heart is enlarged with tortuous vessels.",  # 'with' before a state the grammar cannot place
    "Calcified calcified aorta.",  # a doubled word is no second state
    "Calcified granuloma right upper lobe and left lung.",  # a place list is not repaired
    "Changes of right mastectomy and axillary dissection.",  # only one procedure after 'changes of'
]


@pytest.mark.parametrize("english,chinese", RENDERED)
def test_the_sentence_renders_whole(english, chinese):
    assert read_sentence(english)[0] == chinese


@pytest.mark.parametrize("english", REFUSED)
def test_near_neighbours_stay_unread(english):
    assert read_sentence(english)[0] is None
