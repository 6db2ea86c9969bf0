"""The dataset card: a README.md beside the folds with counts, the generator used, and what was skipped.

Its YAML front matter (written with huggingface_hub's `DatasetCard`) makes the folder a Hugging
Face dataset: `datasets.load_dataset(DIR)` returns one split per fold (`fold_0` ...) and reads
only the fold files, not `dataset.json` or the exports beside them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from huggingface_hub import DatasetCard, DatasetCardData

from medqa.core.conversation import message_text
from medqa.core.files import write_atomic
from medqa.core.text import char_tokens
from medqa.data.lexicon_review import uses_unreviewed
from medqa.data.qa import LABEL_FIELDS

LICENCE = (
    "Derived from the Indiana University chest X-ray collection (Open-i, NLM), licensed CC BY-NC-ND 4.0. "
    "Non-commercial research use only; check the terms before distributing this derivative. "
    "Cite: Demner-Fushman D, et al. Preparing a collection of radiology examinations for distribution "
    "and retrieval. JAMIA 2016;23(2):304-310."
)

SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


def fold_stats(records: list[dict]) -> dict[str, int]:
    """Reports, images, Q&A pairs and text tokens (medqa char tokens) in one fold."""
    pairs = sum(sum(1 for m in r["messages"] if m["role"] == "assistant") for r in records)
    tokens = sum(len(char_tokens(message_text(m))) for r in records for m in r["messages"])
    return {"reports": len({r["uid"] for r in records}), "images": len(records), "qa_pairs": pairs,
            "text_tokens": tokens}


def answer_stats(folds: dict[int, list[dict]]) -> dict:
    """How templated the data is: distinct questions and answers, the share of pairs the 10 most frequent answers
    take, pairs per question type, and (from the labels) how often a presence answer is the one its finding most
    often gets, i.e. predictable from the question without the image."""
    questions: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    qtypes: Counter[str] = Counter()
    by_finding: dict[str, Counter] = defaultdict(Counter)
    for records in folds.values():
        for r in records:
            texts = [message_text(m) for m in r["messages"]]
            labels = r.get("labels") or [None] * len(r.get("qtypes", []))
            for i, (qtype, label) in enumerate(zip(r.get("qtypes", []), labels, strict=False)):
                questions[texts[2 * i]] += 1
                answers[texts[2 * i + 1]] += 1
                qtypes[qtype] += 1
                if qtype == "presence" and label:
                    by_finding[label["finding"]][label["status"]] += 1
    pairs = sum(answers.values())
    presence = sum(sum(c.values()) for c in by_finding.values())
    unreviewed = sum(n for answer, n in answers.items() if uses_unreviewed(answer))
    return {
        "unreviewed_term_answers": unreviewed,
        "distinct_questions": len(questions), "distinct_answers": len(answers), "pairs": pairs,
        "top10_answer_share": sum(n for _, n in answers.most_common(10)) / pairs if pairs else 0.0,
        "top_answers": answers.most_common(10), "by_qtype": dict(qtypes.most_common()),
        "presence_predictable": sum(max(c.values()) for c in by_finding.values()) / presence if presence else None,
    }
_STRING_LIST = {"list": "string"}
# The record layout, declared so `datasets` never guesses a type from a small fold (a fold whose turns all lack
# a side would otherwise read as a null column and clash with the next fold).
FEATURES = [
    {"name": "id", "dtype": "string"},
    {"name": "uid", "dtype": "string"},
    {"name": "images", **_STRING_LIST},
    {"name": "projection", "dtype": "string"},
    {"name": "messages", "list": [
        {"name": "role", "dtype": "string"},
        {"name": "content", "list": [{"name": "type", "dtype": "string"}, {"name": "text", "dtype": "string"}]}]},
    {"name": "qtypes", **_STRING_LIST},
    {"name": "labels", "list": [*({"name": key, "dtype": "string"} for key in LABEL_FIELDS),
                                {"name": "qualifiers", **_STRING_LIST}]},
    {"name": "generator", "dtype": "string"},
    {"name": "fold", "dtype": "int64"},
]


def card_data(folds: dict[int, list[dict]]) -> DatasetCardData:
    """The card's metadata: licence, language, task, and one split per non-empty fold (its file only)."""
    splits = [{"split": f"fold_{k}", "path": f"fold_{k}.jsonl"} for k, records in sorted(folds.items()) if records]
    n = sum(len(records) for records in folds.values())
    size = next((label for limit, label in SIZE_CATEGORIES if n < limit), "1M<n<10M")
    return DatasetCardData(
        license="cc-by-nc-nd-4.0", language=["zh"], pretty_name="medqa Chinese chest X-ray VQA",
        task_categories=["visual-question-answering"], tags=["medical", "radiology", "chest-x-ray"],
        size_categories=[size], configs=[{"config_name": "default", "data_files": splits}],
        dataset_info={"config_name": "default", "features": FEATURES})


def write_card(out: Path, folds: dict[int, list[dict]], meta: dict, n_reports_read: int, skipped: str) -> Path:
    """Write README.md in the dataset folder (counts per fold, reports read, `skipped` summary); return its path."""
    gen = meta["generator"]
    lines = [
        "# medqa Chinese chest X-ray VQA dataset", "",
        f"Built from `{meta['reports']}` with the `{gen['generator']}` generator "
        f"(seed {meta['seed']}, {meta['folds']} folds split by patient uid, format `{meta['format']}`).", "",
        "| fold | reports | images | Q&A pairs | text tokens |", "|---|---|---|---|---|",
    ]
    total = {"reports": 0, "images": 0, "qa_pairs": 0, "text_tokens": 0}
    for k, records in sorted(folds.items()):
        s = fold_stats(records)
        total = {key: total[key] + s[key] for key in total}
        lines.append(f"| {k} | {s['reports']} | {s['images']} | {s['qa_pairs']} | {s['text_tokens']} |")
    lines.append(f"| all | {total['reports']} | {total['images']} | {total['qa_pairs']} | {total['text_tokens']} |")
    empty = [str(k) for k, records in sorted(folds.items()) if not records]
    if empty:
        lines += ["", f"**Warning:** fold(s) {', '.join(empty)} are empty (too few patients for {len(folds)} folds); "
                  "train.py and evaluate.py refuse them."]
    lines += ["", "Text tokens count one per CJK character and one per Latin word or number "
              "(the tokenisation `medqa.eval.metrics` uses).", "",
              f"Reports read: {n_reports_read}. Skipped: {skipped}.", ""]
    lines += _variety_section(answer_stats(folds))
    lines += _loading_section(folds, meta.get("image_root"))
    lines += _generator_section(gen)
    lines += _verifier_section(meta.get("verifier"))
    lines += ["## Licence", "", LICENCE, ""]
    card = DatasetCard(f"---\n{card_data(folds).to_yaml()}\n---\n\n" + "\n".join(lines))
    return write_atomic(out / "README.md", str(card))


def _loading_section(folds: dict[int, list[dict]], image_root: str | None) -> list[str]:
    empty = [k for k, records in sorted(folds.items()) if not records]
    lines = ["## Loading", "",
             "`datasets.load_dataset(\"<this folder>\")` returns one split per fold (`fold_0`, `fold_1`, ...); "
             "`images` holds paths relative to the image folder, and each `{\"type\": \"image\"}` part of "
             "`messages` takes the next of them.", ""]
    if empty:
        lines += [f"Fold(s) {', '.join(map(str, empty))} have no records and are not splits.", ""]
    lines += [f"Image folder at build time: `{image_root or 'none given (--images-dir)'}`. The exports in "
              "`exports/` (LLaMA-Factory, ms-swift, Qwen-VL v1) are written for that folder; "
              "`exports/export.json` records it, and `python -m medqa.data export <this folder> --image-root "
              "<images>` writes them again for another.", ""]
    return lines


def _variety_section(stats: dict) -> list[str]:
    lines = ["## Questions and answers", "",
             f"Distinct questions: {stats['distinct_questions']}; distinct answers: {stats['distinct_answers']} "
             f"over {stats['pairs']} pairs. The 10 most frequent answers take "
             f"{100 * stats['top10_answer_share']:.1f}% of the pairs.", ""]
    lines += [f"Answers using a lexicon term no clinician has reviewed yet (medqa/vocab/lexicon.tsv, "
              f"`python -m medqa.data lexicon`): {stats['unreviewed_term_answers']} of {stats['pairs']}.", ""]
    if stats["presence_predictable"] is not None:
        lines += [f"Presence answers that are their finding's most frequent status (guessable from the question "
                  f"alone): {100 * stats['presence_predictable']:.1f}%.", ""]
    lines += ["| question type | pairs |", "|---|---|"]
    lines += [f"| {qtype} | {n} |" for qtype, n in stats["by_qtype"].items()]
    lines += ["", "Most frequent answers:", ""]
    lines += [f"- {n}: {answer}" for answer, n in stats["top_answers"]]
    return lines + [""]


def _verifier_section(info: dict | None) -> list[str]:
    """What the verifier (medqa.data.verify) checked and dropped, per reason."""
    if not info:
        return []
    lines = ["## Verifier", "", "Every answer was read back into findings (status, side, severity, certainty) by "
             "a reader that shares no table with the generator, and kept only if the report supports it.", ""]
    for key, value in info.items():
        if isinstance(value, dict):
            lines += [f"- {key}:"] + [f"  - {k}: {v}" for k, v in value.items()]
        else:
            lines.append(f"- {key}: {value}")
    return lines + [""]


def _generator_section(gen: dict) -> list[str]:
    lines = ["## Generator", ""]
    for key, value in gen.items():
        if key == "untranslated_terms":
            continue
        if isinstance(value, dict):
            lines += [f"- {key}:"] + [f"  - {k}: {v}" for k, v in value.items()]
        else:
            lines.append(f"- {key}: {value}")
    missing = gen.get("untranslated_terms") or {}
    if missing:
        lines += ["", "MeSH words the lexicon lacks (kept in English inside the Chinese text):", ""]
        lines += [f"- `{word}`: {count}" for word, count in missing.items()]
    return lines + [""]
