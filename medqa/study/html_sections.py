"""The report page's sections beyond the per-arm tables: pairwise results by arm, per rater, side balance, position
bias, comments; and the words for a figure that cannot be computed."""

from __future__ import annotations

import html

from medqa.study.labels import tr
from medqa.study.schema import SCORES


def num(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def why(entry: dict, lang: str) -> str:
    """'无法计算：<reason>' for a figure that is None."""
    reason = entry.get("reason")
    return tr("not_computable_why", lang, why=tr(f"why_{reason}", lang)) if reason else tr("not_computable", lang)


def para(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def wins_by_arm(win_rates: list[dict], lang: str) -> list[str]:
    """One small table per pair of arms, its columns named by the arms (never 'A' and 'B', which are sides)."""
    parts = [f"<h2>{tr('wins_title', lang)}</h2>", para(tr("wins_note", lang))]
    for w in win_rates:
        a, b = w["arm_a"], w["arm_b"]
        parts.append(f"<h3>{html.escape(a)} vs {html.escape(b)}</h3>")
        parts.append(table([tr("n", lang), tr("wins_of", lang, arm=a), tr("wins_of", lang, arm=b), tr("ties", lang),
                            tr("both_bad", lang), tr("win_rate_of", lang, arm=a), tr("win_rate_of", lang, arm=b)],
                           [[w["n"], w["wins_a"], w["wins_b"], w["ties"], w["both_bad"], num(w["win_rate_a"]),
                             num(w["win_rate_b"])]]))
    return parts


def per_rater(result: dict, lang: str) -> list[str]:
    """Scores per rater and arm; for pairwise studies each rater's preferences by arm."""
    if not result.get("per_rater"):
        return []
    arms = result["arms"]
    rows = [[r["rater_id"], arm, r["arms"][arm]["n"], *(num(r["arms"][arm][s]) for s in SCORES)]
            for r in result["per_rater"] for arm in arms if r["arms"][arm]["n"]]
    parts = [f"<h2>{tr('per_rater_title', lang)}</h2>",
             table([tr("rater", lang), tr("arm", lang), tr("n", lang), *(tr(s, lang) for s in SCORES)], rows)]
    prefs = [r for r in result["per_rater"] if r.get("preferences")]
    if prefs:
        parts.append(f"<h3>{tr('preferences_title', lang)}</h3>")
        parts.append(table([tr("rater", lang), *(tr("wins_of", lang, arm=a) for a in arms), tr("ties", lang),
                            tr("both_bad", lang)],
                           [[r["rater_id"], *(r["preferences"][a] for a in arms), r["preferences"]["tie"],
                             r["preferences"]["both_bad"]] for r in prefs]))
    return parts


def sides_and_bias(result: dict, lang: str) -> list[str]:
    """How often each arm was shown as A per rater, and the position-bias test."""
    parts = []
    if result.get("side_balance"):
        arms = result["arms"]
        parts += [f"<h2>{tr('sides_title', lang)}</h2>",
                  table([tr("rater", lang), tr("pairs", lang), *arms],
                        [[s["rater_id"], s["pairs"], *(s["shown_as_a"][a] for a in arms)]
                         for s in result["side_balance"]])]
    bias = result.get("position_bias")
    if bias:
        overall = bias["all"]
        parts.append(f"<h2>{tr('bias_title', lang)}</h2>")
        parts.append(para(tr("bias_line", lang, n=overall["decisive"], k=overall["chose_a"],
                             share=num(overall["share_a"]), p=num(overall["p_value"], 3))))
        parts.append(table([tr("rater", lang), tr("decisive", lang), tr("chose_a", lang), tr("share_a", lang), "p"],
                           [[rater, b["decisive"], b["chose_a"], num(b["share_a"]), num(b["p_value"], 3)]
                            for rater, b in bias["raters"].items()]))
    return parts


def comments(result: dict, lang: str) -> list[str]:
    rows = [[c["rater_id"], c["case_number"], c["position"], c["comment"]] for c in result.get("comments", [])]
    parts = [f"<h2>{tr('comments_title', lang)}</h2>"]
    if not rows:
        return parts + [para(tr("no_comments", lang))]
    return parts + [table([tr("rater", lang), tr("case", lang), tr("col_queue", lang), tr("comment", lang)], rows)]


def meta(result: dict, lang: str) -> str:
    seeds = result.get("seeds", {})
    return para(tr("meta_line", lang, date=result.get("generated_at", ""), seed=seeds.get("assignment"),
                   resamples=seeds.get("bootstrap_resamples"), bseed=seeds.get("bootstrap")))
