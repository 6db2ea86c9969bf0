"""The offline rule generator: agreement with the report, negation, unknown terms."""

from medqa.data.records import Report, SkipLog, XrayImage
from medqa.data.rule import RuleGenerator, projection_pair
from medqa.vocab.mesh import parse_mesh


def _report(mesh, findings="", impression="", uid="1"):
    return Report(uid=uid, mesh=parse_mesh(mesh), findings=findings, impression=impression,
                  images=[XrayImage(f"{uid}_IM-0001-1001.dcm.png", "Frontal")])


def _by_type(pairs):
    out = {}
    for p in pairs:
        out.setdefault(p.qtype, []).append(p)
    return out


def test_normal_report():
    pairs = _by_type(RuleGenerator().generate(_report("normal", "No pneumothorax. Normal heart size.")))
    assert pairs["normality"][0].answer == "正常。这张胸片未见明显异常。"
    # "Normal heart size" negates cardiomegaly too.
    assert sorted(p.answer for p in pairs["absence"]) == ["没有。报告未见心脏增大。", "没有。报告未见气胸。"]
    assert pairs["impression"][0].answer == "心肺未见明显异常，胸片正常。"
    assert "presence" not in pairs


def test_present_finding_with_location_and_severity():
    pairs = _by_type(RuleGenerator().generate(_report("Pulmonary Atelectasis/base/right/mild")))
    assert pairs["presence"][0].answer.startswith("有。可见") and "肺不张" in pairs["presence"][0].answer
    assert pairs["location"][0].answer.endswith("。") and "右" in pairs["location"][0].answer
    assert pairs["severity"][0].answer == "肺不张为轻度。"
    assert pairs["normality"][0].answer.startswith("不正常。")


def test_negated_text_never_contradicts_a_mesh_finding():
    # The text negates an effusion on one side while MeSH records one on the other: ask "present" only.
    report = _report("Pleural Effusion/right/small", findings="Small right effusion. No left pleural effusion.")
    pairs = RuleGenerator().generate(report)
    assert not any(p.qtype == "absence" and "胸腔积液" in p.question for p in pairs)
    assert any(p.qtype == "presence" and "胸腔积液" in p.question and p.answer.startswith("有") for p in pairs)


def test_unknown_term_falls_back_to_english_and_is_counted():
    gen = RuleGenerator()
    skips = SkipLog()
    out = gen.generate_all([_report("Xyzosis/lung/left", uid="9")], skips)
    text = " ".join(p.answer for p in out["9"])
    assert "Xyzosis" in text and "左" in text
    assert gen.card_info()["untranslated_terms"] == {"Xyzosis": 1}
    assert gen.card_info()["reports_with_untranslated_terms"] == 1


def test_no_usable_term_is_skipped_not_fatal():
    skips = SkipLog()
    out = RuleGenerator().generate_all([_report("No Indexing", uid="5"), _report("normal", uid="6")], skips)
    assert list(out) == ["6"]
    assert skips.counts == {"no usable MeSH term": 1}


def test_deid_tokens_never_reach_the_output():
    pairs = RuleGenerator().generate(_report("normal", findings="No XXXX pneumothorax. XXXX effusion absent."))
    assert all("XXXX" not in p.question + p.answer for p in pairs)


def test_wording_is_deterministic_for_a_seed_and_projection_is_answered():
    report = _report("Cardiomegaly/mild;Scoliosis", findings="No pneumothorax.")
    assert RuleGenerator(seed=3).generate(report) == RuleGenerator(seed=3).generate(report)
    import random

    assert projection_pair("Lateral", random.Random(0)).answer == "这是侧位胸片。"
    assert projection_pair("", random.Random(0)) is None
