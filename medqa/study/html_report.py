"""The report as one self-contained HTML page (figures embedded), so a coordinator can send a single file."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from medqa.study.html_sections import comments, meta, num, para, per_rater, sides_and_bias, table, why, wins_by_arm
from medqa.study.labels import tr
from medqa.study.schema import ERROR_TYPES, SCORES

_CSS = ("body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:1000px;margin:24px auto;"
        "color:#222}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:4px 8px;"
        "text-align:right}th{background:#f3f4f6}td:first-child,th:first-child{text-align:left}img{max-width:100%}")


def _ci(stat: dict, digits: int = 2) -> str:
    if stat.get("mean") is None:
        return "–"
    if stat.get("low") is None:
        return num(stat["mean"], digits)
    return f"{num(stat['mean'], digits)} [{num(stat['low'], digits)}, {num(stat['high'], digits)}]"


def _image(path: Path | None) -> str:
    if not path or not Path(path).is_file():
        return ""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<p><img alt="{html.escape(Path(path).stem)}" src="data:image/png;base64,{data}"></p>'


def _agreement_rows(agreement: dict, lang: str) -> list[list]:
    rows = []
    for key, entry in agreement.items():
        label = tr(key, lang) if key in SCORES or key == "preference" else tr(key.removeprefix("err_"), lang)
        value = entry.get("alpha", entry.get("kappa"))
        rows.append([label, tr(entry["method"], lang), num(value, 3) if value is not None else why(entry, lang),
                     entry["units"]])
    return rows


def _pairwise(result: dict, lang: str, files: dict) -> list[str]:
    parts = wins_by_arm(result["win_rates"], lang)
    bt = result["bradley_terry"]
    parts.append(f"<h2>{html.escape(tr('bt_title', lang, ref=bt['reference']))}</h2>")
    parts.append(para(tr("bt_ties", lang)))
    if bt.get("reason"):
        parts.append(para(why(bt, lang)))
    parts.append(table([tr("arm", lang), tr("strength", lang), "95% CI"],
                       [[s["arm_id"], num(s["strength"]), f"[{num(s['low'])}, {num(s['high'])}]"]
                        for s in bt["strengths"]]))
    parts.append(_image(files.get("bradley_terry")))
    return parts


def html_page(result: dict, lang: str, files: dict) -> str:
    """The one-page summary: study line, per-arm scores and errors, pairwise results, agreement, file list."""
    counts = result["counts"]
    title = tr("report_title", lang, title=result["title"])
    parts = [f"<!doctype html><html lang=\"{lang}\"><meta charset=\"utf-8\"><title>{html.escape(title)}</title>",
             f"<style>{_CSS}</style><h1>{html.escape(title)}</h1>",
             "<p>" + html.escape(tr("summary_line", lang, design=tr(f"design_{result['design']}", lang),
                                    cases=counts["cases"], arms=len(result["arms"]), raters=len(result["raters"]),
                                    judgements=counts["judgements"], done=counts["assignments_done"],
                                    total=counts["assignments"])) + "</p>", meta(result, lang)]
    if not result["arm_summaries"]:
        return "".join(parts) + f"<p>{tr('no_judgements', lang)}</p></html>"
    arms = result["arm_summaries"]
    parts.append(f"<h2>{tr('scores_title', lang)}</h2>")
    parts.append(table([tr("arm", lang), tr("n", lang), *(tr(s, lang) for s in SCORES)],
                        [[a["arm_id"], a["n"], *(_ci(a[s]) for s in SCORES)] for a in arms]))
    missing = [a[s] for a in arms for s in SCORES if a[s].get("reason")]
    if missing:
        parts.append(para(tr("ci_missing", lang, why=tr(f"why_{missing[0]['reason']}", lang))))
    parts.append(_image(files.get("scores")))
    parts.append(f"<h2>{tr('errors_title', lang)}</h2>")
    parts.append(table([tr("arm", lang), *(tr(e, lang) for e in ERROR_TYPES)],
                        [[a["arm_id"], *(_ci(a[f"err_{e}"]) for e in ERROR_TYPES)] for a in arms]))
    parts.append(_image(files.get("errors")))
    if result.get("win_rates"):
        parts += _pairwise(result, lang, files)
    parts += per_rater(result, lang)
    parts += sides_and_bias(result, lang)
    parts.append(f"<h2>{tr('agreement_title', lang)}</h2>")
    parts.append(table([tr("measure", lang), tr("method", lang), tr("value", lang), tr("units", lang)],
                        _agreement_rows(result["agreement"], lang)))
    parts += comments(result, lang)
    names = ", ".join(Path(p).name for k, p in files.items() if k in ("csv", "jsonl", "summary"))
    parts.append(f"<h2>{tr('files_title', lang)}</h2><p>{html.escape(names)}</p></html>")
    return "".join(parts)
