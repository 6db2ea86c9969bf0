"""The LLM generator's prompt and reply format: one versioned Chinese prompt per report, strict JSON back."""

from __future__ import annotations

import hashlib
import json
import re

from medqa.data.qa import QAPair
from medqa.data.records import Report
from medqa.vocab.mesh import DEID_RE

# Bump whenever the prompt text or the reply format changes: it is part of every cache key.
PROMPT_VERSION = "zh-cxr-qa-v1"

QA_TYPES = ("normality", "presence", "absence", "location", "severity", "impression", "other")

SYSTEM_PROMPT = """你是一名经验丰富的放射科医生。
用户会给出一份胸部X光检查的英文报告（检查指征、所见、印象和MeSH主题词）。
请根据这份报告，用简体中文写出3至6组临床医生可能会针对这张胸片提出的问题及其答案。

要求：
1. 答案必须与报告内容一致，不得编造报告中没有的发现。
2. 报告中被否定的发现（例如"no pneumothorax"、"no pleural effusion"）绝不能说成存在。
3. 不要提及"XXXX"，也不要提及患者姓名、年龄、日期或任何身份信息。
4. 问题尽量覆盖：胸片是否正常、某一发现是否存在、病变位置、严重程度、总体印象。
5. 问题和答案都使用简体中文，答案简洁、明确。
6. 只返回严格的JSON，不要附加任何其他文字，格式为：
{"qa": [{"question": "……", "answer": "……", "type": "……"}]}
其中 type 取以下之一：normality、presence、absence、location、severity、impression、other。"""

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def scrub(text: str) -> str:
    """Remove the XXXX de-identification tokens and collapse whitespace."""
    return " ".join(DEID_RE.sub(" ", text or "").split())


def _report_fields(report: Report) -> dict[str, str]:
    """The normalised report content the prompt is built from (and the cache is keyed on)."""
    return {
        "indication": scrub(report.indication),
        "findings": scrub(report.findings),
        "impression": scrub(report.impression),
        "mesh": "; ".join(s for s in (scrub(str(t)) for t in report.mesh) if s),
    }


def build_messages(report: Report) -> list[dict]:
    """The versioned Chinese prompt for one report: a system message and a user message."""
    f = _report_fields(report)
    none = "（无）"
    user = (
        f"检查指征（Indication）：{f['indication'] or none}\n"
        f"所见（Findings）：{f['findings'] or none}\n"
        f"印象（Impression）：{f['impression'] or none}\n"
        f"MeSH主题词：{f['mesh'] or none}\n\n"
        "请按要求只返回JSON。"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def cache_key(report: Report, model: str) -> str:
    """sha256 of the normalised report content, the current PROMPT_VERSION and the model name."""
    payload = {**_report_fields(report), "prompt_version": PROMPT_VERSION, "model": model}
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _extract_json(text: str) -> object:
    """Decode the reply, tolerating ```json fences and chatter around a single JSON object."""
    text = (text or "").strip()
    fenced = _FENCE_RE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start != -1 and end > start:
            try:
                return json.loads(text[start : end + 1])
            except json.JSONDecodeError:
                pass
    raise ValueError(f"reply is not valid JSON: {text[:80]!r}")


def _check_item(item: object) -> tuple[QAPair | None, str]:
    """Validate one element of "qa": the pair, or None and the reason it was dropped."""
    if not isinstance(item, dict):
        return None, "not an object"
    texts = {}
    for name in ("question", "answer"):
        value = item.get(name)
        if not isinstance(value, str) or not value.strip():
            return None, f"missing or empty {name!r}"
        if not _CJK_RE.search(value):
            return None, f"{name} has no Chinese characters"
        if DEID_RE.search(value):
            return None, f"{name} contains XXXX"
        texts[name] = " ".join(value.split())
    qtype = str(item.get("type", "other")).strip().lower()
    # "other" (or a type the model made up) becomes the generic "llm" family.
    qtype = qtype if qtype in QA_TYPES and qtype != "other" else "llm"
    return QAPair(texts["question"], texts["answer"], qtype), ""


def parse_reply(text: str, max_pairs: int = 6) -> list[QAPair]:
    """Validate the model's JSON reply into at most `max_pairs` pairs; ValueError says what was wrong."""
    data = _extract_json(text)
    # ValueError, not TypeError, throughout: a bad reply is bad data, and callers catch one type.
    if not isinstance(data, dict):
        raise ValueError(f"reply JSON is a {type(data).__name__}, expected an object with key 'qa'")  # noqa: TRY004
    items = data.get("qa")
    if not isinstance(items, list):
        raise ValueError("reply JSON has no list under key 'qa'")  # noqa: TRY004
    if not items:
        raise ValueError("reply JSON has an empty 'qa' list")
    pairs: list[QAPair] = []
    problems: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        pair, why = _check_item(item)
        if pair is None:
            problems.append(f"qa[{i}]: {why}")
        elif pair.question not in seen:
            seen.add(pair.question)
            pairs.append(pair)
    if not pairs:
        raise ValueError("no valid Q&A pair in reply: " + "; ".join(problems))
    return pairs[:max_pairs]
