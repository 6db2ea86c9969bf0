"""Data tables of the English->Chinese MeSH lexicon (logic lives in medqa.vocab.lexicon).

Keys are lower-case with single spaces; medqa.vocab.lexicon normalises every lookup the same way.
Chinese follows Chinese chest-radiograph report usage (e.g. 肋膈角变钝, 膈肌低平, 主动脉迂曲).
"""

from __future__ import annotations

from typing import NamedTuple

# Head kinds.
FINDING = "finding"  # a finding in its own right: 'Opacity', 'Pleural Effusion'
ANATOMY = "anatomy"  # a structure whose finding is carried by a qualifier: 'Aorta/tortuous'
NONFINDING = "nonfinding"  # not an abnormality of the patient: 'normal', 'No Indexing'
SHIFT = "shift"  # laterality is a direction ('Shift/mediastinum/right' = 纵隔向右移位)

# Qualifier kinds.
LATERALITY = "laterality"
LUNG_REGION = "lung_region"  # parts of a lung: rendered after 右肺/左肺/双肺
POSITION = "position"  # anterior/posterior: parts of whatever anatomy they follow
PLACE = "place"  # an anatomical structure or area
SEVERITY = "severity"
DISTRIBUTION = "distribution"  # how many / how spread: placed before severity (多发小结节)
DESCRIPTOR = "descriptor"  # shape, texture, age: placed after severity (轻度条索状阴影)
STATE = "state"  # what is wrong with an anatomy head: enlarged, tortuous, degenerative, ...


class Head(NamedTuple):
    zh: str  # a "|" marks where a severity goes inside the name (心脏|增大 -> 心脏轻度增大)
    kind: str
    key: str = ""  # canonical finding key for medqa.vocab.findings; "" = the head, lower-cased
    amount: bool = False  # fluid/air collections: small/large read 少量/大量, not 小/大


class Qual(NamedTuple):
    zh: str  # attributive form, used before a noun (退行性, 迂曲, 增大)
    kind: str
    pred: str = ""  # predicate form after an anatomy noun (退行性变); "" = same as zh


HEADS: dict[str, Head] = {
    "abdomen": Head("腹部", ANATOMY),
    "adipose tissue": Head("脂肪组织", ANATOMY),
    "airspace disease": Head("气腔病变", FINDING),
    "aorta": Head("主动脉", ANATOMY),
    "aorta, thoracic": Head("胸主动脉", ANATOMY),
    "aortic arch": Head("主动脉弓", ANATOMY),
    "aortic aneurysm": Head("主动脉瘤", FINDING),
    "aortic dissection": Head("主动脉夹层", FINDING),
    "arthritis": Head("关节炎", FINDING),
    "atherosclerosis": Head("动脉粥样硬化", FINDING),
    "blister": Head("肺大疱", FINDING, "bulla"),  # Open-i indexes bullae as 'Blister'
    "blood vessels": Head("血管", ANATOMY),
    "bone diseases, metabolic": Head("骨量减少", FINDING),  # osteopenia: 骨量减少, not 代谢性骨病
    "bone and bones": Head("骨骼", ANATOMY),
    "breast implants": Head("乳房假体", FINDING),
    "bronchiectasis": Head("支气管扩张", FINDING),
    "bronchitis": Head("支气管炎", FINDING),
    "bullous emphysema": Head("大疱性肺气肿", FINDING),
    "calcified granuloma": Head("钙化肉芽肿", FINDING),
    "calcinosis": Head("钙化", FINDING),
    "cardiac shadow": Head("心影", ANATOMY),
    "cardiomegaly": Head("心脏|增大", FINDING),
    "catheters, indwelling": Head("留置导管", FINDING),
    "cavitation": Head("空洞", FINDING),
    "cervical vertebrae": Head("颈椎", ANATOMY),
    "cholelithiasis": Head("胆囊结石", FINDING),
    "cicatrix": Head("瘢痕", FINDING),
    "colonic interposition": Head("结肠间位", FINDING),
    "consolidation": Head("实变", FINDING),
    "contrast media": Head("对比剂残留", FINDING),
    "costophrenic angle": Head("肋膈角", ANATOMY),
    "cystic fibrosis": Head("囊性纤维化", FINDING),
    "cysts": Head("囊肿", FINDING),
    "deformity": Head("畸形", FINDING),
    "density": Head("密度增高影", FINDING),
    "diaphragm": Head("膈肌", ANATOMY),
    "diaphragmatic eventration": Head("膈膨升", FINDING),
    "dislocations": Head("脱位", FINDING),
    "emphysema": Head("肺气肿", FINDING),
    "epicardial fat": Head("心外膜脂肪垫", ANATOMY),
    "expansile bone lesions": Head("膨胀性骨病变", FINDING),
    "fibrosis": Head("纤维化", FINDING, "pulmonary fibrosis"),
    "foreign bodies": Head("异物", FINDING),
    "fractures, bone": Head("骨折", FINDING),
    "funnel chest": Head("漏斗胸", FINDING),
    "granuloma": Head("肉芽肿", FINDING),
    "granulomatous disease": Head("肉芽肿性病变", FINDING),
    "heart": Head("心脏", ANATOMY),
    "heart atria": Head("心房", ANATOMY),
    "heart failure": Head("心力衰竭", FINDING),
    "heart ventricles": Head("心室", ANATOMY),
    "hemopneumothorax": Head("血气胸", FINDING, amount=True),
    "hemothorax": Head("血胸", FINDING, amount=True),
    "hernia, diaphragmatic": Head("膈疝", FINDING),
    "hernia, hiatal": Head("食管裂孔疝", FINDING),
    "humerus": Head("肱骨", ANATOMY),
    "hydropneumothorax": Head("液气胸", FINDING, amount=True),
    "hyperostosis, diffuse idiopathic skeletal": Head("弥漫性特发性骨肥厚症", FINDING),
    "hypertension, pulmonary": Head("肺动脉高压", FINDING),
    "hypovolemia": Head("低血容量", FINDING),
    "implanted medical device": Head("植入式医疗器械", FINDING),
    "infiltrate": Head("浸润影", FINDING),
    "kyphosis": Head("脊柱后凸", FINDING),
    "lucency": Head("透亮影", FINDING),
    "lumbar vertebrae": Head("腰椎", ANATOMY),
    "lung": Head("肺", ANATOMY),
    "lung diseases, interstitial": Head("间质性肺疾病", FINDING),
    "lung, hyperlucent": Head("肺透亮度|增高", FINDING),
    "lymph nodes": Head("淋巴结", ANATOMY),
    "markings": Head("纹理", ANATOMY),
    "mass": Head("肿块", FINDING),
    "mastectomy": Head("乳房切除术后", FINDING),
    "mediastinum": Head("纵隔", ANATOMY),
    "medical device": Head("医疗器械", FINDING),
    "nipple shadow": Head("乳头影", FINDING),
    "no indexing": Head("未标引", NONFINDING),
    "nodule": Head("结节", FINDING),
    "normal": Head("未见明显异常", NONFINDING),
    "opacity": Head("阴影", FINDING),
    "osteophyte": Head("骨赘", FINDING),
    "osteoporosis": Head("骨质疏松", FINDING),
    "pectus carinatum": Head("鸡胸", FINDING),
    "pericardial effusion": Head("心包积液", FINDING, amount=True),
    "pleura": Head("胸膜", ANATOMY),
    "pleural effusion": Head("胸腔积液", FINDING, amount=True),
    "pneumonectomy": Head("全肺切除术后改变", FINDING),  # with a lobe: 肺叶切除术后改变 (lexicon.py)
    "pneumonia": Head("肺炎", FINDING),
    "pneumoperitoneum": Head("气腹", FINDING, amount=True),
    "pneumothorax": Head("气胸", FINDING, amount=True),
    "pulmonary artery": Head("肺动脉", ANATOMY),
    "pulmonary atelectasis": Head("肺不张", FINDING),
    "pulmonary congestion": Head("肺淤血", FINDING),
    "pulmonary disease, chronic obstructive": Head("慢性阻塞性肺疾病", FINDING),
    "pulmonary edema": Head("肺水肿", FINDING),
    "pulmonary emphysema": Head("肺气肿", FINDING, "emphysema"),
    "pulmonary fibrosis": Head("肺纤维化", FINDING),
    "ribs": Head("肋骨", ANATOMY),
    "sarcoidosis": Head("结节病", FINDING),
    "sclerosis": Head("硬化", FINDING),
    "scoliosis": Head("脊柱侧弯", FINDING),
    "shift": Head("移位", SHIFT),
    "shoulder": Head("肩关节", ANATOMY),
    "spinal fusion": Head("脊柱融合", FINDING),  # surgical or congenital: the MeSH term covers both
    "spine": Head("脊柱", ANATOMY),
    "spondylosis": Head("脊柱退行性变", FINDING, "degenerative change"),  # not 关节强硬
    "stents": Head("支架", FINDING),
    "subcutaneous emphysema": Head("皮下气肿", FINDING, amount=True),
    "sulcus": Head("肋膈角", ANATOMY),  # the costophrenic sulcus is the angle
    "surgical instruments": Head("手术器械影", FINDING),
    "sutures": Head("缝线", FINDING),
    "technical quality of image unsatisfactory": Head("图像质量欠佳", NONFINDING),
    "thickening": Head("增厚", FINDING),
    "thoracic vertebrae": Head("胸椎", ANATOMY),
    "thorax": Head("胸廓", ANATOMY),
    "trachea": Head("气管", ANATOMY),
    "trachea, carina": Head("气管隆突", ANATOMY),
    "tube, inserted": Head("置管", FINDING),
    "tuberculosis": Head("肺结核", FINDING),
    "volume loss": Head("体积|缩小", FINDING),
}

QUALIFIERS: dict[str, Qual] = {
    # laterality (rendered 右肺/左肺/双肺 inside a lung, 右侧/左侧/双侧 elsewhere)
    "right": Qual("右", LATERALITY),
    "left": Qual("左", LATERALITY),
    "bilateral": Qual("双", LATERALITY),
    # parts of a lung
    "base": Qual("底部", LUNG_REGION, "肺底"),
    "apex": Qual("尖部", LUNG_REGION, "肺尖"),
    "upper lobe": Qual("上叶", LUNG_REGION, "上叶"),
    "middle lobe": Qual("中叶", LUNG_REGION, "中叶"),
    "lower lobe": Qual("下叶", LUNG_REGION, "下叶"),
    "lingula": Qual("舌段", LUNG_REGION, "舌段"),
    "hilum": Qual("门", LUNG_REGION, "肺门"),
    "anterior": Qual("前部", POSITION),
    "posterior": Qual("后部", POSITION),
    # places
    "lung": Qual("肺", PLACE),
    "abdomen": Qual("腹部", PLACE),
    "adipose tissue": Qual("脂肪组织", PLACE),
    "aorta": Qual("主动脉", PLACE),
    "aorta, thoracic": Qual("胸主动脉", PLACE),
    "aortic arch": Qual("主动脉弓", PLACE),
    "aortic valve": Qual("主动脉瓣", PLACE),
    "blood vessels": Qual("血管", PLACE),
    "breast": Qual("乳腺", PLACE),
    "breast implants": Qual("乳房假体", PLACE),
    "bronchi": Qual("支气管", PLACE),
    "cardiophrenic angle": Qual("心膈角", PLACE),
    "cervical vertebrae": Qual("颈椎", PLACE),
    "clavicle": Qual("锁骨", PLACE),
    "coronary vessels": Qual("冠状动脉", PLACE),
    "costophrenic angle": Qual("肋膈角", PLACE),
    "diaphragm": Qual("膈肌", PLACE),
    "esophagus": Qual("食管", PLACE),
    "heart": Qual("心脏", PLACE),
    "heart atria": Qual("心房", PLACE),
    "heart ventricles": Qual("心室", PLACE),
    "humerus": Qual("肱骨", PLACE),
    "lumbar vertebrae": Qual("腰椎", PLACE),
    "lymph nodes": Qual("淋巴结", PLACE),
    "mediastinum": Qual("纵隔", PLACE),
    "mitral valve": Qual("二尖瓣", PLACE),
    "neck": Qual("颈部", PLACE),
    "paratracheal": Qual("气管旁", PLACE),
    "pleura": Qual("胸膜", PLACE),
    "pleural sinus": Qual("胸膜隐窝", PLACE),
    "pulmonary artery": Qual("肺动脉", PLACE),
    "retrocardiac": Qual("心后区", PLACE),
    "ribs": Qual("肋骨", PLACE),
    "shoulder": Qual("肩关节", PLACE),
    "spine": Qual("脊柱", PLACE),
    "sternum": Qual("胸骨", PLACE),
    "sulcus": Qual("肋膈角", PLACE),
    "supracardiac": Qual("心上区", PLACE),
    "thoracic vertebrae": Qual("胸椎", PLACE),
    "thorax": Qual("胸部", PLACE),
    "trachea": Qual("气管", PLACE),
    "trachea, carina": Qual("气管隆突", PLACE),
    # severity / size (small/large become 少量/大量 for fluid and air, see Head.amount)
    "mild": Qual("轻度", SEVERITY),
    "moderate": Qual("中度", SEVERITY),
    "severe": Qual("重度", SEVERITY),
    "borderline": Qual("临界", SEVERITY, "大小临界"),
    "small": Qual("小", SEVERITY, "偏小"),
    "large": Qual("大", SEVERITY, "增大"),
    # distribution
    "multiple": Qual("多发", DISTRIBUTION),
    "scattered": Qual("散在", DISTRIBUTION),
    "diffuse": Qual("弥漫性", DISTRIBUTION),
    "focal": Qual("局灶性", DISTRIBUTION),
    "multilobar": Qual("多叶", DISTRIBUTION),
    # descriptors
    "streaky": Qual("条索状", DESCRIPTOR),
    "patchy": Qual("斑片状", DESCRIPTOR),
    "round": Qual("圆形", DESCRIPTOR),
    "reticular": Qual("网状", DESCRIPTOR),
    "irregular": Qual("不规则", DESCRIPTOR, "形态不规则"),
    "interstitial": Qual("间质性", DESCRIPTOR),
    "bronchovascular": Qual("支气管血管", DESCRIPTOR),
    "pulmonary alveoli": Qual("肺泡性", DESCRIPTOR),
    "chronic": Qual("慢性", DESCRIPTOR),
    "healed": Qual("陈旧性", DESCRIPTOR),
    "acute": Qual("急性", DESCRIPTOR),
    # states of an anatomy head (attributive form, predicate form)
    "abnormal": Qual("异常", STATE),
    "blunted": Qual("变钝", STATE),
    "degenerative": Qual("退行性", STATE, "退行性变"),
    "elevated": Qual("抬高", STATE),
    "enlarged": Qual("增大", STATE),
    "flattened": Qual("低平", STATE),
    "hyperdistention": Qual("过度充气", STATE),
    "hypoinflation": Qual("通气不足", STATE),
    "obscured": Qual("模糊", STATE, "显示不清"),
    "prominent": Qual("明显", STATE, "突出"),
    "tortuous": Qual("迂曲", STATE),
    "azygos lobe": Qual("奇叶", STATE),
    "crowded": Qual("聚拢", STATE),
    "unfolded": Qual("展开", STATE),
}

# (anatomy, state) -> (Chinese name, canonical finding key); everything else is rendered
# generically as <anatomy>|<state predicate> with key "<anatomy>/<state>". A "|" marks where a
# severity goes (主动脉|迂曲 -> 主动脉轻度迂曲); lung names keep it in front (轻度肺通气不足).
ANATOMY_STATES: dict[tuple[str, str], tuple[str, str]] = {
    ("lung", "hypoinflation"): ("肺容积|减小", "hypoinflation"),
    ("lung", "hyperdistention"): ("肺过度充气", "hyperdistention"),
    ("lung", "prominent"): ("肺纹理|增多", "increased markings"),
    ("lung", "azygos lobe"): ("肺奇叶", "azygos lobe"),
    ("lung", "obscured"): ("肺野|显示不清", "lung/obscured"),
    ("lung interstitial", "prominent"): ("肺间质纹理|增多", "increased markings"),
    ("lung interstitial", "abnormal"): ("肺间质|异常", "lung diseases, interstitial"),
    ("markings", ""): ("纹理|改变", "markings"),  # bare Markings: the text says how (lexicon.py)
    ("markings", "prominent"): ("纹理|增多", "increased markings"),
    ("markings interstitial", ""): ("间质纹理|改变", "markings"),
    ("markings interstitial", "prominent"): ("间质纹理|增多", "increased markings"),
    ("markings bronchovascular", ""): ("支气管血管纹理|改变", "markings"),
    ("markings bronchovascular", "crowded"): ("支气管血管纹理|聚拢", "bronchovascular crowding"),
    ("markings", "crowded"): ("支气管血管纹理|聚拢", "bronchovascular crowding"),
    ("markings bronchovascular", "prominent"): ("支气管血管纹理|增多", "increased markings"),
    ("aorta", "tortuous"): ("主动脉|迂曲", "tortuous aorta"),
    ("aorta, thoracic", "tortuous"): ("胸主动脉|迂曲", "tortuous aorta"),
    ("aortic arch", "tortuous"): ("主动脉弓|迂曲", "tortuous aorta"),
    ("aortic arch", "enlarged"): ("主动脉弓|增宽", "aortic enlargement"),
    ("aorta", "unfolded"): ("主动脉|迂曲展开", "tortuous aorta"),
    ("aorta, thoracic", "unfolded"): ("胸主动脉|迂曲展开", "tortuous aorta"),
    ("aorta", "enlarged"): ("主动脉|增宽", "aortic enlargement"),
    ("aorta, thoracic", "enlarged"): ("胸主动脉|增宽", "aortic enlargement"),
    ("cardiac shadow", "enlarged"): ("心影|增大", "cardiomegaly"),
    ("heart", "enlarged"): ("心脏|增大", "cardiomegaly"),
    ("diaphragm", "elevated"): ("膈肌|抬高", "elevated diaphragm"),
    ("diaphragm", "flattened"): ("膈肌|低平", "flattened diaphragm"),
    ("costophrenic angle", "blunted"): ("肋膈角|变钝", "blunted costophrenic angle"),
    ("sulcus", "blunted"): ("肋膈角|变钝", "blunted costophrenic angle"),
    ("pleura", "blunted"): ("肋膈角|变钝", "blunted costophrenic angle"),
    ("lymph nodes", "enlarged"): ("淋巴结|肿大", "lymphadenopathy"),
    ("lymph nodes", "prominent"): ("淋巴结|肿大", "lymphadenopathy"),
    ("mediastinum", "enlarged"): ("纵隔|增宽", "widened mediastinum"),
    ("mediastinum", "prominent"): ("纵隔轮廓|突出", "prominent mediastinum"),  # not 增宽: prominent is no width
    ("hilum", "enlarged"): ("肺门|增大", "hilar enlargement"),
    ("hilum", "prominent"): ("肺门影|增浓", "hilar enlargement"),
    ("pulmonary artery", "enlarged"): ("肺动脉|增宽", "enlarged pulmonary artery"),
    ("pulmonary artery", "prominent"): ("肺动脉段|突出", "enlarged pulmonary artery"),
    ("blood vessels", "enlarged"): ("血管|增粗", "vascular prominence"),
    ("blood vessels", "prominent"): ("血管|增粗", "vascular prominence"),
    ("blood vessels", "blunted"): ("血管纹理|变钝", "vascular prominence"),
    ("epicardial fat", ""): ("心外膜脂肪垫", "epicardial fat"),
    ("epicardial fat", "prominent"): ("心外膜脂肪垫|明显", "epicardial fat"),
    ("heart", "small"): ("心影|偏小", "small heart"),
}

# How a subject reads when a qualifier narrows it ('Lung/hilum/prominent' is about the hilum).
SUBJECT_NAMES: dict[str, str] = {
    "hilum": "肺门",
    "lung interstitial": "肺间质",
    "markings interstitial": "间质纹理",
    "markings bronchovascular": "支气管血管纹理",
}

# Heads that contain the structure a state is about: 'Mediastinum/lymph nodes/enlarged' is 纵隔淋巴结肿大.
CONTAINERS = frozenset({"lung", "mediastinum", "trachea", "trachea, carina", "thorax"})

# Places that name an area, so they read before the structure in it (右侧气管旁淋巴结).
AREAS = frozenset(
    {"thorax", "abdomen", "neck", "mediastinum", "paratracheal", "retrocardiac", "supracardiac"}
)

# Every degenerative bone or joint maps to one key: the reports say "degenerative changes" wherever.
DEGENERATIVE_KEY = "degenerative change"

# (head, qualifier) pairs whose qualifier is folded into the head's name (主动脉粥样硬化,
# not 主动脉动脉粥样硬化), and qualifiers read differently with one head.
HEAD_QUALIFIER_NAMES: dict[tuple[str, str], str] = {
    ("atherosclerosis", "aorta"): "主动脉粥样硬化",
    ("atherosclerosis", "aorta, thoracic"): "胸主动脉粥样硬化",
    ("atherosclerosis", "aortic arch"): "主动脉弓粥样硬化",
    ("atherosclerosis", "coronary vessels"): "冠状动脉粥样硬化",
    ("aortic aneurysm", "aorta, thoracic"): "胸主动脉瘤",
    ("kyphosis", "thoracic vertebrae"): "胸椎后凸",
    ("kyphosis", "lumbar vertebrae"): "腰椎后凸",
    ("scoliosis", "thoracic vertebrae"): "胸椎侧弯",
    ("scoliosis", "lumbar vertebrae"): "腰椎侧弯",
    ("scoliosis", "spine"): "脊柱侧弯",
    ("kyphosis", "spine"): "脊柱后凸",
    ("spondylosis", "thoracic vertebrae"): "胸椎退行性变",
    ("spondylosis", "lumbar vertebrae"): "腰椎退行性变",
    ("spondylosis", "cervical vertebrae"): "颈椎退行性变",
    ("spondylosis", "spine"): "脊柱退行性变",
    ("thickening", "bronchovascular"): "支气管血管束增厚",
    ("thickening", "interstitial"): "间质增厚",
    ("diaphragmatic eventration", "diaphragm"): "膈膨升",
    ("tube, inserted", "trachea"): "气管内置管",  # the tip is placed against the trachea/carina, not in it
    ("tube, inserted", "trachea, carina"): "气管内置管",
}
QUALIFIER_OVERRIDES: dict[tuple[str, str], str] = {
    ("fractures, bone", "chronic"): "陈旧性",
    ("deformity", "chronic"): "陈旧性",
    ("deformity", "healed"): "陈旧性",
}

# (place, position) -> how the pair reads: 后肋, not 肋骨后部.
PLACE_POSITIONS: dict[tuple[str, str], str] = {
    ("ribs", "anterior"): "前肋",
    ("ribs", "posterior"): "后肋",
    ("costophrenic angle", "posterior"): "后肋膈角",
    ("sulcus", "posterior"): "后肋膈角",
    ("pleura", "apex"): "肺尖胸膜",
    ("pleura", "base"): "肺底胸膜",
    ("thorax", "anterior"): "前胸部",
    ("thorax", "posterior"): "后胸部",
    ("heart", "apex"): "心尖",
    ("mediastinum", "anterior"): "前纵隔",
    ("mediastinum", "posterior"): "后纵隔",
    ("mediastinum", "base"): "纵隔底部",
}
