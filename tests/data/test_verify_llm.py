"""The LLM generator passes the same verifier: a fake OpenAI-compatible server plants contradictions, the build
drops exactly those pairs and counts them by reason in the card."""

import csv
import json

from medqa.data.build import build_dataset
from medqa.data.config import BuildArguments
from medqa.data.folds import load_dataset_meta
from medqa.data.llm import LLMGenerator, LLMSettings
from tests.helpers.fake_openai import FakeOpenAIServer

# findings -> (good answers, planted (answer, reason)); one report per row.
REPORTS = {
    "No pneumothorax. Small left pleural effusion.": (
        ["可见左侧少量胸腔积液。"], [("未见气胸、左侧少量胸腔积液。", "negation scope")]),
    "Mild cardiomegaly. The lungs are clear.": (
        ["心脏轻度增大。"], [("可见右侧胸腔积液。", "finding not in report"), ("心脏重度增大。", "severity")]),
    "Right lower lobe opacity, concerning for pneumonia.": (
        ["考虑右肺下叶肺炎。"], [("可见右肺下叶肺炎。", "certainty"), ("可见左肺下叶阴影。", "side")]),
    "Calcified granuloma in the right upper lobe.": (
        ["可见右肺上叶钙化肉芽肿。"], [("未见结节。", "status")]),
    "Postsurgical changes of the cervical spine. The lungs are clear.": (
        ["双肺清晰。"], [("这张胸片未见明显异常。", "normal despite finding")]),
}
PLANTED = {answer: reason for _, planted in REPORTS.values() for answer, reason in planted}
GOOD = {answer for good, _ in REPORTS.values() for answer in good}


def _reply(body: dict) -> str:
    user = body["messages"][-1]["content"]
    findings = next(f for f in REPORTS if f in user)
    good, planted = REPORTS[findings]
    qa = [{"question": f"问题{i}？", "answer": a, "type": "normality" if "胸片" in a else "other"}
          for i, a in enumerate(good + [answer for answer, _ in planted])]
    return json.dumps({"qa": qa}, ensure_ascii=False)


def _write_reports(tmp_path):
    reports, projections = tmp_path / "reports.csv", tmp_path / "projections.csv"
    with reports.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["uid", "MeSH", "Problems", "image", "indication", "comparison", "findings", "impression"])
        for i, findings in enumerate(REPORTS, 1):
            w.writerow([i, "normal", "normal", "Xray Chest PA and Lateral", "", "", findings, ""])
    with projections.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["uid", "filename", "projection"])
        for i in range(1, len(REPORTS) + 1):
            w.writerow([i, f"{i}_IM-0001-1001.dcm.png", "Frontal"])
    return reports, projections


def test_planted_contradictions_are_dropped_and_counted_by_reason(tmp_path):
    reports, projections = _write_reports(tmp_path)
    with FakeOpenAIServer(_reply) as server:
        generator = LLMGenerator(LLMSettings(base_url=server.url, model="fake", api_key_env="MEDQA_NO_KEY",
                                             concurrency=1, max_pairs=10))
        result = build_dataset(BuildArguments(reports, tmp_path / "out", projections, folds=2), generator)
    answers = {m["content"][0]["text"] if isinstance(m["content"], list) else m["content"]
               for fold in result.folds.values() for r in fold for m in r["messages"] if m["role"] == "assistant"}
    assert answers >= GOOD
    assert not answers & set(PLANTED)
    dropped = load_dataset_meta(tmp_path / "out")["verifier"]["dropped by reason"]
    expected = {reason: list(PLANTED.values()).count(reason) for reason in dropped}
    assert dropped == expected
    assert "## Verifier" in (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
