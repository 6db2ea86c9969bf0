"""Every word the study shows (rater view, coordinator view, report, plots, CSV header), in Chinese and English."""

from __future__ import annotations

_TEXT: dict[str, tuple[str, str]] = {
    # rater view
    "tab": ("阅片研究", "Reader study"),
    "sign_in_title": ("请输入研究协调员发给您的访问码。", "Enter the access code your study coordinator sent you."),
    "code": ("访问码", "Access code"),
    "sign_in": ("登录", "Sign in"),
    "bad_code": ("访问码无效，请核对后重试。", "That access code is not valid; check it and try again."),
    "signed_in": ("已登录：{rater}", "Signed in as {rater}"),
    "progress": ("进度：第 {n} / {total} 例", "Progress: case {n} / {total}"),
    "all_done": ("全部 {total} 例已完成，感谢您的评阅！可点击“返回上一例”查看或修改。",
                 "All {total} cases are done. Thank you! \"Back to the last case\" lets you look again or change it."),
    "back_to_last": ("返回上一例", "Back to the last case"),
    "image": ("胸片（点击右上角全屏放大）", "Chest X-ray (full screen: top-right button)"),
    "question": ("问题", "Question"),
    "answer": ("回答", "Answer"),
    "answer_a": ("回答 A", "Answer A"),
    "answer_b": ("回答 B", "Answer B"),
    "accuracy": ("准确性 (1-5)", "Accuracy (1-5)"),
    "completeness": ("完整性 (1-5)", "Completeness (1-5)"),
    "safety": ("安全性 (1-5)", "Safety (1-5)"),
    "errors": ("错误类型（可多选）", "Errors (tick all that apply)"),
    "hallucination": ("虚构发现", "Hallucinated finding"),
    "missed_finding": ("遗漏发现", "Missed finding"),
    "wrong_side": ("左右侧错误", "Wrong side"),
    "wrong_severity": ("程度错误", "Wrong severity"),
    "unsafe_advice": ("不安全建议", "Unsafe advice"),
    "language": ("语言问题", "Language problem"),
    "preference": ("哪个回答更好？", "Which answer is better?"),
    "pref_A": ("A 更好", "A is better"),
    "pref_B": ("B 更好", "B is better"),
    "pref_tie": ("一样好", "Tie"),
    "pref_both_bad": ("都不好", "Both bad"),
    "comment": ("备注（可选）", "Comment (optional)"),
    "submit": ("提交并进入下一例", "Submit and next"),
    "previous": ("上一例", "Previous"),
    "saved": ("已保存第 {n} 例。", "Case {n} saved."),
    "updated": ("已更新第 {n} 例（第 {rev} 次修改）。", "Case {n} updated (revision {rev})."),
    "not_saved": ("未保存：{detail}", "Not saved: {detail}"),
    "wait": ("错误次数过多，请 {seconds} 秒后再试。", "Too many wrong tries: try again in {seconds} s."),
    "score_missing": ("请填写{answer}的{score}。", "{answer}: {score} is missing."),
    "score_range": ("{answer}的{score}须为 1-5。", "{answer}: {score} must be 1-5."),
    "needs_answers": ("此病例需要为回答 {letters} 评分。", "This case needs scores for answer(s) {letters}."),
    "needs_preference": ("请选择哪个回答更好（A、B、一样好或都不好）。", "Choose a preference: A, B, tie or both bad."),
    "comment_too_long": ("备注太长（{chars} 字），最多 {limit} 字。未保存，请缩短后再提交。",
                         "The comment is too long ({chars} characters; the limit is {limit}). Not saved: shorten "
                         "it and submit again."),
    "unknown_errors": ("未知的错误类型。", "Unknown error type."),
    "store_unavailable": ("数据库暂时无法访问，请稍后再提交一次。", "The database cannot be reached right now; "
                          "submit again in a moment."),
    "next_unavailable": ("数据库暂时无法访问，下一例稍后显示：请稍候再点“提交并进入下一例”（不会重复保存）。",
                         "The database cannot be reached right now, so the next case is not shown yet: submit again "
                         "in a moment (it will not be stored twice)."),
    "database_down": ("数据库暂时无法访问，请稍后再试。", "The database cannot be reached right now; try again in a "
                      "moment."),
    "sign_in_first": ("请先登录。", "Please sign in first."),
    "shortcuts": ("快捷键：A / B / T（一样好）/ X（都不好）选择偏好，Ctrl+Enter 提交。",
                  "Keys: A / B / T (tie) / X (both bad) choose the preference; Ctrl+Enter submits."),
    "study_error": ("研究无法加载：{detail}", "The study cannot be loaded: {detail}"),
    # coordinator view
    "coordinator": ("研究协调", "Study coordinator"),
    "password": ("协调员密码", "Coordinator password"),
    "show_progress": ("查看进度", "Show progress"),
    "make_report": ("生成报告", "Make the report"),
    "report_files": ("报告文件", "Report files"),
    "wrong_password": ("密码错误。", "Wrong password."),
    "raters_table": ("评阅者进度", "Progress per rater"),
    "cases_table": ("病例进度", "Progress per case"),
    "rater": ("评阅者", "Rater"),
    "done": ("已完成", "Done"),
    "total": ("分配", "Assigned"),
    "last": ("最近提交", "Last submission"),
    "invited": ("已邀请", "Invited"),
    "case": ("病例", "Case"),
    "patient": ("患者", "Patient"),
    # report
    "report_title": ("阅片研究报告：{title}", "Reader study report: {title}"),
    "design_single": ("单回答评分", "single-answer rating"),
    "design_pairwise": ("盲法成对比较（A/B）", "blind pairwise comparison (A/B)"),
    "summary_line": ("设计：{design}；{cases} 例，{arms} 个模型，{raters} 位评阅者，{judgements} 条评价"
                     "（{done}/{total} 项任务已完成）。",
                     "Design: {design}; {cases} cases, {arms} arms, {raters} raters, {judgements} judgements "
                     "({done}/{total} assignments done)."),
    "arm": ("模型", "Arm"),
    "n": ("评价数", "Judgements"),
    "mean_ci": ("均值 [95% CI]", "Mean [95% CI]"),
    "scores_title": ("各模型平均评分（患者层面 bootstrap 95% 置信区间）",
                     "Mean score per arm (patient-level bootstrap 95% CI)"),
    "errors_title": ("各模型错误类型发生率", "Error-type rate per arm"),
    "rate": ("发生率", "Rate"),
    "wins_title": ("成对比较胜率", "Pairwise win rates"),
    "wins": ("胜", "Wins"),
    "ties": ("平", "Ties"),
    "both_bad": ("都不好", "Both bad"),
    "win_rate": ("胜率", "Win rate"),
    "bt_title": ("Bradley-Terry 强度（对数几率，95% CI；参照：{ref} = 0）",
                 "Bradley-Terry strength (log-odds, 95% CI; reference {ref} = 0)"),
    "strength": ("强度", "Strength"),
    "agreement_title": ("评阅者间一致性", "Inter-rater agreement"),
    "measure": ("指标", "Measure"),
    "method": ("方法", "Method"),
    "value": ("数值", "Value"),
    "units": ("单元数", "Units"),
    "krippendorff_ordinal": ("Krippendorff α（有序）", "Krippendorff's alpha (ordinal)"),
    "cohen": ("Cohen κ", "Cohen's kappa"),
    "fleiss": ("Fleiss κ", "Fleiss' kappa"),
    "not_computable": ("无法计算", "not computable"),
    "not_computable_why": ("无法计算：{why}", "not computable: {why}"),
    "why_no_pairs": ("没有病例被两位及以上评阅者评过", "no case was judged by two or more raters"),
    "why_one_value": ("所有评价都相同，一致性无定义（0/0），并非完全一致", "every judgement is the same: agreement is "
                      "undefined (0/0), not perfect"),
    "why_one_patient": ("少于 2 位患者，无法给出置信区间", "fewer than 2 patients: no interval"),
    "why_bt_unconnected": ("比较没有把所有模型连起来", "the comparisons do not connect every arm"),
    "why_bt_infinite": ("某个模型在与另一模型的比较中全胜或全负，强度为无穷大", "an arm won or lost every comparison "
                        "with another: its strength is infinite"),
    "why_bt_not_estimable": ("模型无法拟合", "the model cannot be fitted"),
    "ci_missing": ("“–”表示无法给出区间：{why}。", "'–' means no interval: {why}."),
    "wins_of": ("{arm} 胜", "{arm} wins"),
    "win_rate_of": ("{arm} 胜率", "{arm} win rate"),
    "wins_note": ("“胜”按模型计，与评阅者看到的 A/B 位置无关；A/B 位置已按评阅者和病例平衡（见下文）。",
                  "Wins count by arm, whichever side (A or B) the rater saw it on; sides are balanced per rater and "
                  "per case (see below)."),
    "bt_ties": ("平局与“都不好”均计为双方各得半场胜利（与 Chatbot Arena 相同），不被丢弃，因此它们使两个模型的强度相互"
                "靠近。区间为 Wald 95% 区间。", "A tie and a 'both bad' each count as half a win for both arms (as in "
                "Chatbot Arena's ratings), never dropped, so they pull the two strengths together. Intervals are "
                "Wald 95% intervals."),
    "per_rater_title": ("各评阅者明细", "Per rater"),
    "preferences_title": ("各评阅者的偏好", "Preferences per rater"),
    "sides_title": ("A/B 位置平衡（各模型显示为 A 的次数）", "Side balance (times each arm was shown as A)"),
    "pairs": ("成对任务", "Pairs"),
    "bias_title": ("位置偏好检验", "Position bias check"),
    "bias_line": ("在 {n} 次有明确偏好的比较中，{k} 次选择了 A（{share}）；双侧精确二项检验（对 1/2）p = {p}。",
                  "Of {n} decisive preferences, {k} chose A ({share}); two-sided exact binomial test against 1/2: "
                  "p = {p}."),
    "decisive": ("明确偏好", "Decisive"),
    "chose_a": ("选 A", "Chose A"),
    "share_a": ("选 A 比例", "Share A"),
    "comments_title": ("评阅者备注", "Comments"),
    "no_comments": ("没有备注。", "No comments."),
    "meta_line": ("生成时间：{date}；分配随机种子：{seed}；bootstrap：{resamples} 次重抽样，随机种子 {bseed}。",
                  "Made {date}; assignment seed {seed}; bootstrap: {resamples} resamples, seed {bseed}."),
    "files_title": ("导出文件", "Exports"),
    "no_judgements": ("尚无评价。", "No judgements yet."),
    # CSV header
    "col_no": ("序号", "no"),
    "col_rater_no": ("评阅者编号", "rater_no"),
    "col_queue": ("队列位置", "queue_position"),
    "col_case_no": ("病例编号", "case_no"),
    "col_case_id": ("病例ID", "case_id"),
    "col_shown": ("显示为", "shown_as"),
    "col_answer": ("回答内容", "answer"),
    "col_outcome": ("比较结果", "outcome"),
    "col_revision": ("修改次数", "revision"),
    "col_created": ("首次提交时间", "created_at"),
    "col_updated": ("最后修改时间", "updated_at"),
    "win": ("胜", "win"),
    "loss": ("负", "loss"),
    "tie": ("平", "tie"),
}


def tr(key: str, lang: str, **values) -> str:
    """The text of `key` in `lang` (zh or en), with {placeholders} filled."""
    zh, en = _TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def keys() -> list[str]:
    """Every label key (the tests check that both languages have each)."""
    return list(_TEXT)
