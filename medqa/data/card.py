"""The dataset card: a README.md beside the folds with counts, the generator used, and what was skipped."""

from __future__ import annotations

from pathlib import Path

from medqa.core.conversation import message_text
from medqa.core.text import char_tokens

LICENCE = (
    "Derived from the Indiana University chest X-ray collection (Open-i, NLM), licensed CC BY-NC-ND 4.0. "
    "Non-commercial research use only; check the terms before distributing this derivative. "
    "Cite: Demner-Fushman D, et al. Preparing a collection of radiology examinations for distribution "
    "and retrieval. JAMIA 2016;23(2):304-310."
)


def fold_stats(records: list[dict]) -> dict[str, int]:
    """Reports, images, Q&A pairs and text tokens (medqa char tokens) in one fold."""
    pairs = sum(sum(1 for m in r["messages"] if m["role"] == "assistant") for r in records)
    tokens = sum(len(char_tokens(message_text(m))) for r in records for m in r["messages"])
    return {"reports": len({r["uid"] for r in records}), "images": len(records), "qa_pairs": pairs,
            "text_tokens": tokens}


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
    lines += ["", "Text tokens count one per CJK character and one per Latin word or number "
              "(the tokenisation `medqa.eval.metrics` uses).", "",
              f"Reports read: {n_reports_read}. Skipped: {skipped}.", ""]
    lines += _generator_section(gen)
    lines += ["## Licence", "", LICENCE, ""]
    path = out / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _generator_section(gen: dict) -> list[str]:
    lines = ["## Generator", ""]
    lines += [f"- {key}: {value}" for key, value in gen.items() if key != "untranslated_terms"]
    missing = gen.get("untranslated_terms") or {}
    if missing:
        lines += ["", "MeSH words the lexicon lacks (kept in English inside the Chinese text):", ""]
        lines += [f"- `{word}`: {count}" for word, count in missing.items()]
    return lines + [""]
