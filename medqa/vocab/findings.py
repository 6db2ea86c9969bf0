"""Finding extraction with negation from Chinese and English radiology text.

`extract_findings("没有气胸，但有右侧胸腔积液")` gives {"pneumothorax": False, "pleural effusion": True}.
Keys are canonical English finding keys: MeSH heads lower-cased ("pleural effusion") plus a few
for findings Open-i indexes as anatomy + state ("tortuous aorta" for 'Aorta/tortuous'); every key
can be rendered back to Chinese with medqa.vocab.lexicon.describe_term(MeshTerm(key)).

How it reads a text: one precompiled regex scans it once, left to right, for finding names, negation
cues and clause breaks (longest match first, so 皮下气肿 is never 肺气肿 and 心包积液 never 胸腔积液).
A negation cue (无, 未见, no, without, ...) negates the findings after it up to the end of its clause
(clauses end at 。；;,，. 但 but however); a cue such as 已吸收 or "has resolved" negates the findings
before it in the clause; a positive cue (可见, 有, there is, with) ends a negation early. An English
list "No pneumothorax, effusion, or consolidation" keeps its negation across the commas.
A finding both affirmed and negated in one text counts as present.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from medqa.vocab.lexicon import finding_names

_FIND, _NEG, _POST, _BOTH, _POS, _SEP = range(6)

# Extra Chinese names beyond the lexicon's own (which are added automatically). ";" separates
# alternatives; "[a|b|]" expands to each choice (an empty choice makes the group optional).
ZH_SYNONYMS: dict[str, str] = {
    "pleural effusion": "胸腔积液;胸水;积液;胸膜腔积液",
    "cardiomegaly": "心脏[增大|扩大];心影[增大|扩大|增宽];心[胸比|胸比率]增大",
    "pulmonary atelectasis": "不张;肺膨胀不全",
    "consolidation": "实变影",
    "nodule": "结节影;小结节",
    "mass": "团块;团块影;占位",
    "calcified granuloma": "钙化性肉芽肿",
    "granulomatous disease": "肉芽肿性疾病",
    "emphysema": "慢阻肺气肿",
    "scoliosis": "侧弯;脊柱侧凸",
    "kyphosis": "后凸;驼背",
    "opacity": "模糊影;斑片影;片状影;致密影",
    "density": "高密度影",
    "airspace disease": "肺泡性病变;气腔实变",
    "pneumonia": "肺部感染;肺部炎症;炎症;感染",
    "infiltrate": "浸润",
    "pulmonary congestion": "肺充血;淤血",
    "hernia, hiatal": "裂孔疝",
    "osteophyte": "骨质增生;骨刺",
    "calcinosis": "钙化灶;钙化影",
    "cicatrix": "疤痕;瘢痕灶;纤维条索",
    "atherosclerosis": "粥样硬化",
    "lung diseases, interstitial": "间质性肺病;肺间质病变;肺间质改变",
    "pulmonary disease, chronic obstructive": "慢阻肺",
    "heart failure": "心衰",
    "tuberculosis": "结核",
    "lucency": "透亮区",
    "tortuous aorta": "主动脉[纡曲|扭曲];主动脉弓迂曲",
    "hypoinflation": "通气不足;吸气不足;肺容积减小;低肺容积;吸气欠佳",
    "hyperdistention": "过度充气;过度膨胀;肺过度膨胀",
    "degenerative change": "退行性改变;退变;退行性病变",
    "elevated diaphragm": "膈抬高;膈面抬高;膈肌升高",
    "flattened diaphragm": "膈肌变平;膈面低平",
    "blunted costophrenic angle": "肋膈角钝;肋膈角变钝",
    "increased markings": "纹理增粗;纹理增强;纹理增多",
    "lymphadenopathy": "淋巴结增大",
    "hilar enlargement": "肺门影增大;肺门增浓;肺门突出",
    "enlarged pulmonary artery": "肺动脉扩张",
    "shift": "[纵隔|气管|心脏][轻度|中度|重度|明显|][向右|向左|]移位",
    "normal": "未见异常;未见明显异常征象;胸片正常;正常胸片;胸部正常",
    "technical quality of image unsatisfactory": "图像质量不佳;摄片条件欠佳",
    "implanted medical device": "起搏器",
    "catheters, indwelling": "导管",
    "bulla": "大疱",
    "pneumonectomy": "叶切除术后改变",  # 右肺上叶切除术后改变 (a lobectomy)
}
# Chinese phrases that state a finding absent by themselves (心影不大 = no cardiomegaly).
ZH_ABSENT: dict[str, str] = {
    "cardiomegaly": "心影不大;心脏不大;心影大小正常;心脏大小正常;心影大小在正常范围",
    "blunted costophrenic angle": "肋膈角锐利;肋膈角清晰",
    "increased markings": "肺纹理清晰;纹理清晰",
    "shift": "纵隔居中;气管居中",
    "normal": "不正常;异常",
}
ZH_CUES: dict[int, str] = {
    _NEG: "无;未见;未发现;没有;否认;排除;不伴;未显示;未提示;并无;未探及;未示;不考虑;未再见",
    _POST: "消失;已消失;已吸收;完全吸收;不明显;已排除",
    _POS: "有;可见;见;伴有;伴;提示;显示;存在;考虑;仍有;有无;有没有;是否",
    _SEP: "但;但是;然而;而",
}

EN_SYNONYMS: dict[str, str] = {
    "pleural effusion": "pleural effusion[s|];effusion[s|];pleural fluid",
    "pericardial effusion": "pericardial effusion[s|]",
    "pneumothorax": "pneumothorax;pneumothoraces",
    "hydropneumothorax": "hydropneumothorax",
    "hemothorax": "hemothorax",
    "hemopneumothorax": "hemopneumothorax",
    "cardiomegaly": "cardiomegaly;enlarged heart;cardiac enlargement;enlarged cardiac silhouette;"
    "[heart|heart size|cardiac silhouette|cardiac shadow] is "
    "[mildly |moderately |severely |borderline |]enlarged",
    "pulmonary atelectasis": "atelectasis;atelectatic [change|changes];atelectases",
    "consolidation": "consolidation[s|];consolidative [opacity|opacities]",
    "pulmonary edema": "[pulmonary |interstitial |]edema",
    "nodule": "nodule[s|];nodular [opacity|opacities|density|densities]",
    "mass": "mass;masses",
    "fractures, bone": "fracture[s|d|]",
    "calcified granuloma": "calcified granuloma[s|ta|];calcified nodule[s|]",
    "granuloma": "granuloma[s|ta|]",
    "granulomatous disease": "granulomatous disease",
    "emphysema": "[pulmonary |]emphysema;emphysematous [change|changes]",
    "subcutaneous emphysema": "subcutaneous emphysema;subcutaneous air",
    "bullous emphysema": "bullous emphysema",
    "bulla": "bulla;bullae",
    "scoliosis": "scoliosis",
    "kyphosis": "kyphosis",
    "spondylosis": "spondylosis",
    "osteophyte": "osteophyte[s|]",
    "degenerative change": "degenerative [change|changes|disease]",
    "opacity": "opacity;opacities;opacification",
    "airspace disease": "[airspace|air space] [disease|opacity|opacities]",
    "pneumonia": "pneumonia",
    "infiltrate": "infiltrate[s|];infiltration",
    "pulmonary congestion": "[pulmonary |vascular |]congestion",
    "hernia, hiatal": "[hiatal|hiatus] hernia",
    "hernia, diaphragmatic": "diaphragmatic hernia",
    "calcinosis": "calcification[s|];calcified",
    "cicatrix": "scar[s|ring|];cicatrix",
    "atherosclerosis": "atherosclerosis;atherosclerotic [change|changes|disease|calcification]",
    "thickening": "[pleural |]thickening",
    "deformity": "deformit[y|ies]",
    "density": "densit[y|ies]",
    "lucency": "lucenc[y|ies]",
    "bronchiectasis": "bronchiectasis",
    "bronchitis": "bronchitis",
    "pulmonary fibrosis": "[pulmonary |]fibrosis;fibrotic [change|changes]",
    "lung diseases, interstitial": "interstitial lung disease",
    "pulmonary disease, chronic obstructive": "copd;chronic obstructive pulmonary disease",
    "heart failure": "heart failure;chf",
    "hypertension, pulmonary": "pulmonary [arterial |]hypertension",
    "tuberculosis": "tuberculosis",
    "sarcoidosis": "sarcoidosis",
    "cysts": "cyst[s|]",
    "cavitation": "cavitation;cavitary lesion[s|];cavity",
    "foreign bodies": "foreign bod[y|ies]",
    "lung, hyperlucent": "hyperlucen[t|cy] lung[s|];hyperlucency",
    "tortuous aorta": "tortuous [thoracic |descending |]aorta;[thoracic |]aorta is [mildly |]tortuous;"
    "[aortic|thoracic aortic] tortuosity;tortuosity of the [thoracic |]aorta",
    "hypoinflation": "low lung volumes;lung volumes are low;hypoinflation;hypoinflated;poor inspiration;"
    "low volumes;shallow inspiration",
    "hyperdistention": "hyperinflat[ion|ed];hyperexpan[sion|ded];hyperdistention;hyperaerat[ion|ed]",
    "elevated diaphragm": "elevated [right |left |]hemidiaphragm;elevated diaphragm;"
    "elevation of the [right |left |]hemidiaphragm;[right |left |]hemidiaphragm is elevated",
    "flattened diaphragm": "flattened [hemidiaphragms|diaphragm|diaphragms];flattening of the diaphragm[s|]",
    "blunted costophrenic angle": "blunting of the [right |left |]costophrenic angle[s|];"
    "blunted [right |left |]costophrenic angle[s|];costophrenic blunting",
    "increased markings": "[increased|prominent|coarse] [interstitial |bronchovascular |lung |]markings",
    "lymphadenopathy": "lymphadenopathy;adenopathy;enlarged lymph nodes",
    "widened mediastinum": "widened mediastinum;mediastinal widening",
    "hilar enlargement": "hilar [enlargement|prominence];[enlarged|prominent] hila",
    "enlarged pulmonary artery": "[enlarged|prominent] pulmonary arter[y|ies]",
    "shift": "mediastinal shift;tracheal deviation",
    "normal": "normal chest;normal chest x-ray;normal study;no active disease;"
    "no acute [cardiopulmonary |][abnormality|abnormalities|disease|process|findings]",
    "catheters, indwelling": "catheter[s|];central line;picc line",
    "implanted medical device": "pacemaker;defibrillator",
    "stents": "stent[s|]",
    "sutures": "sutures;sternotomy wires",
    "surgical instruments": "surgical clips",
    "tube, inserted": "endotracheal tube;enteric tube;nasogastric tube",
    "spinal fusion": "spinal fusion",
}
EN_ABSENT: dict[str, str] = {
    "cardiomegaly": "[heart|heart size|cardiac silhouette] is not enlarged;normal heart size;"
    "[heart size|cardiac silhouette|cardiomediastinal silhouette|heart] is [normal|within normal limits];"
    "heart size [normal|within normal limits];heart is normal in size;normal cardiac silhouette;"
    "normal cardiomediastinal silhouette",
    "blunted costophrenic angle": "[sharp|clear] costophrenic angles;costophrenic angles are [sharp|clear]",
    "normal": "abnormal",
}
EN_CUES: dict[int, str] = {
    _NEG: "no;not;without;negative for;free of;no evidence of;there is no;there are no;clear of;absence of;"
    "nor;neither;resolution of;absent",
    _POST: "has resolved;have resolved;is absent;are absent;removed;no longer [seen|visualized|present];"
    "not [seen|identified|present|visualized|demonstrated|evident|appreciated|detected]",
    _BOTH: "resolved",
    _POS: "there is;there are;there has been;with;although;except;not excluded;cannot be excluded;"
    "cannot exclude;not ruled out;cannot be ruled out;[no|without] [significant |][interval |]change",
    _SEP: "but;however",
}

SEVERITY_WORDS = "轻度;中度;重度;临界;明显;稍;略;轻微;显著;稍许"
_LUNG_SIDES = ("右肺", "左肺", "双肺", "两肺", "肺尖", "肺底")
# What may stand between a comma and the next item of a negated English list: a conjunction and a
# few modifiers ("no pneumothorax, effusion, or focal airspace disease"), or modifiers that do not
# grade a finding ("..., suspicious opacity"); "no pneumothorax, small effusion" states the effusion.
_CONJ_GAP = re.compile(
    r"\s*(?:(?:or|and|nor)\s+(?:[a-z-]+\s+){0,3}"
    r"|(?:(?!(?:small|mild|moderate|large|severe|trace|minimal|new)\s)[a-z-]+\s+){0,3})"
)
_SENTENCE_END = re.compile(r"[.;\n。；]")
_LIST_OR = re.compile(r"(?<![a-z])n?or(?![a-z])")


def _expand(spec: str) -> list[str]:
    """'a[b|c|];d' -> ['ab', 'ac', 'a', 'd']: ';' separates alternatives, '[..|..]' is a choice."""
    out = []
    for alt in spec.split(";"):
        pieces = re.split(r"\[([^\]]*)\]", alt)
        choices = [p.split("|") if i % 2 else [p] for i, p in enumerate(pieces)]
        out += ["".join(c) for c in itertools.product(*choices)]
    return [w.strip() for w in out if w.strip()]


def _zh_name_forms(name: str) -> list[str]:
    """A lexicon name as text may write it: 心脏|增大 -> 心脏增大, 心脏轻度增大; 肺不张 -> 右肺不张."""
    noun, bar, pred = name.partition("|")
    forms = [noun + pred] + ([noun + s + pred for s in SEVERITY_WORDS.split(";")] if bar else [])
    lung_forms = []
    # The lexicon names the lung once (右肺 + 肺不张 = 右肺不张), so the name may lose its 肺.
    if noun.startswith("肺") and not noun.startswith(("肺门", "肺动脉")):
        rest = [f[1:] for f in forms]
        lung_forms = [side + r for side in _LUNG_SIDES for r in rest]
        lung_forms += [r for r in rest if len(r) >= 3]
    return forms + lung_forms


def _vocabulary(lang: str) -> dict[str, tuple[int, str, bool | None]]:
    """Literal (lower case, single spaces) -> (token kind, finding key, fixed polarity or None)."""
    zh = lang == "zh"
    synonyms, absent, cues = (ZH_SYNONYMS, ZH_ABSENT, ZH_CUES) if zh else (EN_SYNONYMS, EN_ABSENT, EN_CUES)
    vocab: dict[str, tuple[int, str, bool | None]] = {}
    for key, spec in absent.items():
        for word in _expand(spec):
            vocab.setdefault(word, (_FIND, key, False))
    for kind, spec in cues.items():
        for word in _expand(spec):
            vocab.setdefault(word, (kind, "", None))
    for key, spec in synonyms.items():
        for word in _expand(spec):
            vocab.setdefault(word, (_FIND, key, None))
    if zh:
        for name, key in finding_names().items():
            for word in _zh_name_forms(name):
                vocab.setdefault(word, (_FIND, key, None))
    return vocab


def _trie_pattern(words: Sequence[str]) -> str:
    """One regex alternation for many literals, factored as a trie so a scan tries each prefix once.

    Each node prefers its longer continuations, so the regex finds the longest literal at a position.
    """
    root: dict = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def node_pattern(node: dict) -> str:
        alts = [(r"\s+" if ch == " " else re.escape(ch)) + node_pattern(child)
                for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return node_pattern(root)


_ZH = _vocabulary("zh")
_EN = _vocabulary("en")
_KEYS = frozenset(key for vocab in (_ZH, _EN) for _kind, key, _fixed in vocab.values() if key)
_TOKEN_RE = re.compile(
    rf"(?P<en>(?<![a-z0-9])(?:{_trie_pattern(list(_EN))})(?![a-z0-9]))"
    rf"|(?P<zh>{_trie_pattern(list(_ZH))})"
    r"|(?P<sep>[。；;,，.!?！？\n:：])"
)


def finding_keys() -> frozenset[str]:
    """Every key `extract_findings` can return."""
    return _KEYS


def _list_carry(low: str, pos: int, chain: bool) -> tuple[int, bool] | None:
    """After an ASCII comma inside a negation: (where the next item starts, whether the sentence goes
    on to an 'or'/'nor' so the whole rest is a negated list), or None when nothing is negated."""
    if not chain:
        return None
    stop = _SENTENCE_END.search(low, pos)
    return pos, _LIST_OR.search(low, pos, stop.start() if stop else len(low)) is not None


def find_mentions(text: str) -> list[tuple[str, bool, int, int]]:
    """Every finding name in `text`, in order: (key, stated present?, start, end), offsets into `text.lower()`."""
    low = text.lower()
    mentions: list[list] = []  # [key, present, fixed polarity?, start, end]
    clause_start, negated, carry = 0, False, None
    for m in _TOKEN_RE.finditer(low):
        group = m.lastgroup
        if group == "sep":
            kind, key, fixed = _SEP, "", None
        else:
            kind, key, fixed = (_EN if group == "en" else _ZH)[" ".join(m.group().split())]
        if kind == _FIND:
            # "No pneumothorax, effusion, or consolidation": an English list keeps its negation.
            if carry and group == "en" and (carry[1] or _CONJ_GAP.fullmatch(low, carry[0], m.start())):
                negated = True
            # A phrase that states its own polarity flips under negation: 无异常 is normal.
            mentions.append([key, (not negated) if fixed is None else fixed != negated, fixed is not None,
                             m.start(), m.end()])
        elif kind in (_POST, _BOTH):
            for mention in mentions[clause_start:]:
                mention[1] = mention[1] if mention[2] else False
        if kind == _SEP:
            chain = negated or carry is not None  # a list item with no finding name keeps the chain
            carry = _list_carry(low, m.end(), chain) if m.group() == "," else None
        elif kind != _FIND:
            carry = None
        if kind in (_SEP, _POS):
            clause_start, negated = len(mentions), False
        elif kind in (_NEG, _BOTH):
            negated = True
    return [(key, present, start, end) for key, present, _fixed, start, end in mentions]


def extract_findings(text: str) -> dict[str, bool]:
    """Findings stated in `text`: canonical key -> True if stated present, False if stated absent."""
    found: dict[str, bool] = {}
    for key, present, _start, _end in find_mentions(text):
        found[key] = found.get(key, False) or present
    return found
