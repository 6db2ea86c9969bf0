"""Not a timing: the verifier's counts on the shared data for a fake-LLM build with planted contradictions.

    python bench/verify_fake_llm.py [--reports ../shared/data/openi/indiana_reports.csv] [--out DIR]

A local OpenAI-compatible server (tests/helpers/fake_openai.py) plays the LLM: for each report it returns the rule
generator's pairs, and for every third report one planted contradiction of a kind chosen by the report (a denied
finding, the other side, another severity, a definite answer for a hedged one, a negation run on into a stated
finding, the film called normal). The build (medqa.data.build, whose verifier both generators pass) writes the card;
this prints the planted kinds beside the card's counts per reason.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from medqa.core.conversation import message_text  # noqa: E402
from medqa.data.build import build_dataset  # noqa: E402
from medqa.data.config import BuildArguments  # noqa: E402
from medqa.data.llm import LLMGenerator, LLMSettings  # noqa: E402
from medqa.data.llm_prompt import build_messages  # noqa: E402
from medqa.data.openi import read_reports  # noqa: E402
from medqa.data.records import SkipLog  # noqa: E402
from medqa.data.rule import RuleGenerator  # noqa: E402
from tests.helpers.fake_openai import FakeOpenAIServer  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "openi" / "indiana_reports.csv"
SWAP_SIDE = {"左": "右", "右": "左"}
SWAP_SIZE = {"少量": "大量", "大量": "少量", "轻度": "重度", "重度": "轻度", "中度": "重度"}


def _plant(kind: str, pairs: list) -> tuple[str, str] | None:
    """(question, contradicting answer) of one kind from a report's own pairs, or None when it has none to spoil."""
    present = [p for p in pairs if p.qtype == "presence" and p.label and p.label["status"] == "present"]
    uncertain = [p for p in pairs if p.qtype == "presence" and p.label and p.label["status"] == "uncertain"]
    if kind == "status" and present:
        return present[0].question, "没有，" + re.sub(r"^(?:有，|是的，片中|存在)?可?见?", "未见", present[0].answer)
    if kind == "side" and (p := next((p for p in present if re.search("[左右]", p.answer)), None)):
        return p.question, re.sub("[左右]", lambda m: SWAP_SIDE[m.group()], p.answer)
    if kind == "severity" and (p := next((p for p in present if re.search("|".join(SWAP_SIZE), p.answer)), None)):
        return p.question, re.sub("|".join(SWAP_SIZE), lambda m: SWAP_SIZE[m.group()], p.answer, count=1)
    if kind == "certainty" and uncertain:
        return uncertain[0].question, "可见" + re.sub(r"^(?:考虑为|不除外|可疑|可能存在)", "", uncertain[0].answer)
    if kind == "negation scope" and present:
        return "片中有没有气胸？", "未见气胸、" + re.sub(r"^(?:有，|是的，片中|存在)?可?见?", "", present[0].answer)
    if kind == "normal" and present:
        return "这张胸片正常吗？", "这张胸片未见明显异常。"
    return None


KINDS = ("status", "side", "severity", "certainty", "negation scope", "normal")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=DEFAULT)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    logging.getLogger("medqa").setLevel(logging.ERROR)
    reports = read_reports(args.reports, None, SkipLog())
    rule = RuleGenerator(vary=False)
    replies: dict[str, str] = {}
    planted: Counter[str] = Counter()
    planted_pairs: set[tuple[str, str]] = set()
    for report in reports:
        pairs = [p for p in rule.generate(report) if p.answer]
        qa = [{"question": p.question, "answer": p.answer, "type": p.qtype if p.qtype in ("normality", "presence",
              "location", "severity", "impression") else "other"} for p in pairs]
        n = int(hashlib.sha256(report.uid.encode()).hexdigest(), 16)
        if n % 3 == 0 and (bad := _plant(KINDS[n // 3 % len(KINDS)], pairs)):
            qa = [item for item in qa if item["question"] != bad[0]] + [
                {"question": bad[0], "answer": bad[1], "type": "other"}]
            planted[KINDS[n // 3 % len(KINDS)]] += 1
            planted_pairs.add((report.uid, bad[1]))
        if qa:
            replies[build_messages(report)[-1]["content"]] = json.dumps({"qa": qa}, ensure_ascii=False)

    def reply(body: dict) -> str:
        return replies.get(body["messages"][-1]["content"], '{"qa": []}')

    with FakeOpenAIServer(reply) as server, tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "fake-llm"
        settings = LLMSettings(base_url=server.url, model="fake", api_key_env="MEDQA_NO_KEY", concurrency=8,
                               max_pairs=20, max_retries=0)
        result = build_dataset(BuildArguments(args.reports, out, args.reports.with_name("indiana_projections.csv"),
                                              overwrite=True), LLMGenerator(settings))
        verifier = json.loads((out / "dataset.json").read_text(encoding="utf-8"))["verifier"]
        survived = {(r["uid"], message_text(m)) for fold in result.folds.values() for r in fold
                    for m in r["messages"] if m["role"] == "assistant"} & planted_pairs
    print(f"fake-LLM build: {result.n_records} conversations; planted contradictions: {dict(planted)} "
          f"(total {sum(planted.values())}); planted contradictions that reached the output: {len(survived)}")
    for uid, answer in sorted(survived):
        print(f"  kept: {uid}: {answer}")
    print(json.dumps(verifier, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
