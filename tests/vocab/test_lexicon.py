"""The English->Chinese MeSH lexicon: full coverage of the real Open-i terms and exact renderings."""

import csv
import re
from collections import Counter
from dataclasses import asdict

import pytest

from medqa.vocab.findings import extract_findings, finding_keys
from medqa.vocab.lexicon import (
    HEADS,
    QUALIFIERS,
    TermZh,
    describe_term,
    finding_key,
    finding_names,
    lexicon_coverage,
)
from medqa.vocab.mesh import DEID_RE, MeshTerm, parse_mesh

ASCII_LETTER = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def real_terms(openi_dir) -> Counter:
    """Every MeSH term of the real CSV (openi_dir fails the test, never skips, when data is missing)."""
    with open(openi_dir / "indiana_reports.csv", newline="", encoding="utf-8") as f:
        return Counter(t for row in csv.DictReader(f) for t in parse_mesh(row["MeSH"]))


def test_real_csv_coverage_is_complete(real_terms):
    heads = {t.head for t in real_terms}
    quals = {q for t in real_terms for q in t.qualifiers}
    # The odd spellings the lexicon must absorb really are in the data.
    assert {"Thoracic vertebrae", "Thoracic Vertebrae", "Lymph nodes", "Lymph Nodes"} <= heads
    assert len(heads) == 119 and len(quals) == 87
    assert lexicon_coverage(real_terms) == (1.0, set())


def test_every_real_term_renders_in_pure_chinese(real_terms):
    for term in real_terms:
        zh = describe_term(term)
        assert zh.phrase and zh.name, term
        assert zh.unknown == (), term
        # Fully covered terms leave no English (and so no XXXX) anywhere in the rendering.
        assert not any(ASCII_LETTER.search(v) for v in (zh.name, zh.location, zh.severity,
                                                       zh.descriptors, zh.phrase)), (term, zh)
        assert "|" not in zh.phrase + zh.name, (term, zh)
        assert zh.is_abnormal == (term.head not in {"normal", "No Indexing",
                                                    "Technical Quality of Image Unsatisfactory"}), term


def test_real_phrases_read_back_as_their_finding(real_terms):
    """The finding extractor recognises every rendered phrase whose key it knows, as present."""
    keys = finding_keys()
    checked = 0
    for term in real_terms:
        key = finding_key(term)
        if key in keys:
            found = extract_findings(describe_term(term).phrase)
            assert found.get(key) is True, (term, describe_term(term).phrase, found)
            checked += 1
    assert checked >= 1500  # all but a few dozen generic anatomy states of the 1,603 distinct terms


R = MeshTerm


@pytest.mark.parametrize(("term", "expected"), [
    (R("Lung", ("hypoinflation", "mild")),
     TermZh("肺容积减小", "", "轻度", "", "肺容积轻度减小", (), True)),
    (R("Lung", ("left", "hypoinflation")),
     TermZh("肺容积减小", "左肺", "", "", "左肺容积减小", (), True)),
    (R("Thoracic Vertebrae", ("degenerative",)),
     TermZh("胸椎退行性变", "", "", "", "胸椎退行性变", (), True)),
    (R("Thoracic Vertebrae", ("degenerative", "mild")),
     TermZh("胸椎退行性变", "", "轻度", "", "胸椎轻度退行性变", (), True)),
    (R("Aorta", ("tortuous",)),
     TermZh("主动脉迂曲", "", "", "", "主动脉迂曲", (), True)),
    (R("Diaphragm", ("elevated", "right")),
     TermZh("膈肌抬高", "右侧", "", "", "右侧膈肌抬高", (), True)),
    (R("Costophrenic Angle", ("left", "blunted")),
     TermZh("肋膈角变钝", "左侧", "", "", "左侧肋膈角变钝", (), True)),
    (R("Costophrenic Angle", ("sulcus", "left", "posterior", "blunted")),
     TermZh("后肋膈角变钝", "左侧", "", "", "左侧后肋膈角变钝", (), True)),
    (R("Pulmonary Atelectasis", ("base", "right", "mild")),
     TermZh("肺不张", "右肺底部", "轻度", "", "右肺底部轻度肺不张", (), True)),
    (R("Pulmonary Atelectasis", ("lung", "right")),
     TermZh("肺不张", "右肺", "", "", "右肺不张", (), True)),
    (R("Opacity", ("lung", "base", "left", "streaky", "scattered")),
     TermZh("阴影", "左肺底部", "", "条索状、散在", "左肺底部散在条索状阴影", (), True)),
    (R("Pleural Effusion", ("bilateral", "small")),
     TermZh("胸腔积液", "双侧", "少量", "", "双侧少量胸腔积液", (), True)),
    (R("Pneumothorax", ("apex", "right", "small")),
     TermZh("气胸", "右侧肺尖", "少量", "", "右侧肺尖少量气胸", (), True)),
    (R("Nodule", ("lung", "upper lobe", "right", "multiple", "small")),
     TermZh("结节", "右肺上叶", "小", "多发", "右肺上叶多发小结节", (), True)),
    (R("Cardiomegaly", ("mild",)),
     TermZh("心脏增大", "", "轻度", "", "心脏轻度增大", (), True)),
    (R("Lung", ("hilum", "lymph nodes", "bilateral", "enlarged")),
     TermZh("淋巴结肿大", "双肺门", "", "", "双肺门淋巴结肿大", (), True)),
    (R("Lung", ("hilum", "left", "prominent")),
     TermZh("肺门影增浓", "左侧", "", "", "左侧肺门影增浓", (), True)),
    (R("Shift", ("mediastinum", "right")),
     TermZh("向右移位", "纵隔", "", "", "纵隔向右移位", (), True)),
    (R("Fractures, Bone", ("ribs", "right", "posterior", "healed")),
     TermZh("骨折", "右侧后肋", "", "陈旧性", "右侧后肋陈旧性骨折", (), True)),
    (R("Calcinosis", ("lymph nodes", "right", "paratracheal")),
     TermZh("钙化", "右侧气管旁淋巴结", "", "", "右侧气管旁淋巴结钙化", (), True)),
    (R("Markings", ("bronchovascular", "mild")),  # bare Markings never claims 增多 (the text says how)
     TermZh("支气管血管纹理改变", "", "轻度", "", "支气管血管纹理轻度改变", (), True)),
    (R("Markings", ("bronchovascular", "prominent")),
     TermZh("支气管血管纹理增多", "", "", "", "支气管血管纹理增多", (), True)),
    (R("Atherosclerosis", ("aorta",)),
     TermZh("主动脉粥样硬化", "", "", "", "主动脉粥样硬化", (), True)),
    (R("Thickening", ("pleura", "apex", "bilateral")),
     TermZh("增厚", "双侧肺尖胸膜", "", "", "双侧肺尖胸膜增厚", (), True)),
    (R("Cicatrix", ("lung", "lingula")),
     TermZh("瘢痕", "左肺舌段", "", "", "左肺舌段瘢痕", (), True)),
    (R("normal"), TermZh("未见明显异常", "", "", "", "未见明显异常", (), False)),
    (R("No Indexing"), TermZh("未标引", "", "", "", "未标引", (), False)),
])
def test_renderings(term, expected):
    assert describe_term(term) == expected


def test_lookups_ignore_case_and_whitespace():
    odd = describe_term(MeshTerm("Subcutaneous  Emphysema", ("Thorax", " RIGHT ")))
    assert odd == describe_term(MeshTerm("subcutaneous emphysema", ("thorax", "right")))
    assert odd.phrase == "右侧胸部皮下气肿" and odd.unknown == ()
    assert describe_term(MeshTerm("Thoracic vertebrae", ("degenerative",))).phrase == "胸椎退行性变"
    assert lexicon_coverage([MeshTerm("LYMPH  nodes", ("Thoracic Vertebrae",))]) == (1.0, set())
    assert "thoracic vertebrae" in HEADS and "thoracic vertebrae" in QUALIFIERS


def test_unknown_words_stay_in_english_and_are_listed():
    head = describe_term(MeshTerm("Xyzosis", ("lung", "right")))
    assert (head.name, head.location, head.phrase) == ("Xyzosis", "右肺", "右肺 Xyzosis")
    assert head.unknown == ("Xyzosis",) and head.is_abnormal
    qual = describe_term(MeshTerm("Opacity", ("lung", "wobbly", "left")))
    assert (qual.phrase, qual.descriptors, qual.unknown) == ("左肺 wobbly 阴影", "wobbly", ("wobbly",))
    coverage, missing = lexicon_coverage([MeshTerm("Opacity", ("lung", "wobbly")), MeshTerm("Xyzosis")])
    assert (coverage, missing) == (0.5, {"wobbly", "xyzosis"})
    assert lexicon_coverage([]) == (1.0, set())


def test_deid_token_never_comes_out():
    terms = (MeshTerm("XXXX"), MeshTerm("XXXX", ("lung", "xxxx")), MeshTerm("Opacity", ("XXXX lobe", "left")),
             MeshTerm("Nodule XXXX", ("XXXXX",)))
    for term in terms:
        zh = describe_term(term)
        assert not any(DEID_RE.search(str(v)) for v in asdict(zh).values()), zh
        assert zh.phrase and not DEID_RE.search(finding_key(term))
    assert describe_term(MeshTerm("Opacity", ("XXXX lobe", "left"))).unknown == ("lobe",)
    assert describe_term(MeshTerm("XXXX")).unknown == ()


def test_finding_keys_render_back_to_chinese():
    assert finding_key(MeshTerm("Aorta", ("tortuous", "mild"))) == "tortuous aorta"
    assert finding_key(MeshTerm("Pulmonary Emphysema")) == "emphysema"
    assert finding_key(MeshTerm("No Indexing")) == ""
    assert describe_term(MeshTerm("tortuous aorta")).name == "主动脉迂曲"
    assert describe_term(MeshTerm("degenerative change")).name == "退行性变"
    assert finding_names()["心脏|增大"] == "cardiomegaly"
    # Every key the extractor can report is a name medqa.data.rule can put into a Chinese answer.
    for key in finding_keys():
        zh = describe_term(MeshTerm(key))
        assert zh.unknown == () and not ASCII_LETTER.search(zh.name), key
