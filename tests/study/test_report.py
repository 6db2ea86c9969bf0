"""The report a statistician can sign: arms named, reasons for every figure that cannot be computed, the tie rule,
per-rater tables, comments, the date and seeds, side balance and a position-bias test."""

import json

from medqa.study.report import compute, write_report
from medqa.study.store import AnswerJudgement, StudyStore, Submission
from tests.study.test_store import setup_pairwise


def judge(store, rater, preference_by_position, comment=""):
    for position, pref in preference_by_position.items():
        aid = store.assignment_at(rater, position)
        same = AnswerJudgement(4, 4, 4, ())  # every score the same: agreement on scores is undefined
        store.submit(rater, Submission(aid, {"A": same, "B": same}, pref, comment if position == 1 else ""))


def test_the_report_names_arms_explains_gaps_and_checks_position(tmp_path):
    store = StudyStore(tmp_path / "s.db", "s1")
    setup_pairwise(store, 4)  # base is A at odd positions, tuned at even ones
    store.db.execute("UPDATE studies SET definition = ?", [json.dumps({"seed": 14})])
    judge(store, "wang", {1: "A", 2: "A", 3: "A", 4: "tie"}, comment="第一例答案 B 漏了积液")
    judge(store, "li", {1: "B", 2: "both_bad", 3: "A", 4: "A"})
    result = compute(store)
    assert result["seeds"] == {"assignment": 14, "bootstrap": 0, "bootstrap_resamples": 2000}
    assert result["position_bias"]["all"]["decisive"] == 6 and result["position_bias"]["all"]["chose_a"] == 5
    assert result["position_bias"]["raters"]["wang"]["p_value"] == 0.25  # 3 of 3 chose A: 2 * 0.5**3
    assert [s["shown_as_a"] for s in result["side_balance"]] == [{"base": 2, "tuned": 2}] * 2
    assert result["per_rater"][0]["preferences"] == {"base": 2, "tuned": 1, "tie": 1, "both_bad": 0}
    assert result["agreement"]["accuracy"]["reason"] == "one_value"
    assert result["comments"] == [{"rater_id": "wang", "case_number": 1, "position": 1,
                                   "comment": "第一例答案 B 漏了积液"}]

    page = (write_report(store, tmp_path / "zh", "zh")["html"]).read_text(encoding="utf-8")
    assert "base 胜" in page and "tuned 胜率" in page and "胜 A" not in page  # arms, never sides
    assert "平局与“都不好”均计为双方各得半场胜利" in page
    assert "无法计算：所有评价都相同，一致性无定义（0/0），并非完全一致" in page
    assert "各评阅者明细" in page and "第一例答案 B 漏了积液" in page and "分配随机种子：14" in page
    assert "生成时间：" + result["generated_at"][:10] in page
    assert "在 6 次有明确偏好的比较中，5 次选择了 A（0.83）" in page and "A/B 位置平衡" in page
    english = (write_report(store, tmp_path / "en", "en")["html"]).read_text(encoding="utf-8")
    assert "not computable: every judgement is the same" in english and "base wins" in english
    store.close()
