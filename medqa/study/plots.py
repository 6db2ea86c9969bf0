"""The report's figures (matplotlib, no pyplot state: safe in the app's worker threads), labelled in the UI language."""

from __future__ import annotations

from pathlib import Path

from medqa.core.figures import figure, save
from medqa.study.labels import tr
from medqa.study.schema import ERROR_TYPES, SCORES


def _bars(ax, groups: list[str], series: list[tuple[str, list]], ylim: tuple[float, float]) -> None:
    """Grouped bars with 95% CI whiskers; series = (label, [{'mean', 'low', 'high'} per group])."""
    width = 0.8 / max(1, len(series))
    for k, (label, stats) in enumerate(series):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(groups))]
        means = [s["mean"] or 0.0 for s in stats]
        lows = [max(0.0, m - (s["low"] if s["low"] is not None else m)) for m, s in zip(means, stats, strict=True)]
        highs = [max(0.0, (s["high"] if s["high"] is not None else m) - m) for m, s in zip(means, stats, strict=True)]
        ax.bar(xs, means, width, yerr=[lows, highs], capsize=3, label=label)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylim(*ylim)
    ax.legend(fontsize=8)


def score_plot(arms: list[dict], lang: str, path: Path) -> Path:
    """Mean accuracy / completeness / safety per arm with bootstrap CIs."""
    fig = figure(max(6.0, 1.6 * len(arms) + 3), 4.2)
    ax = fig.add_subplot()
    _bars(ax, [f"{a['arm_id']}\n(n={a['n']})" for a in arms],
          [(tr(s, lang), [a[s] for a in arms]) for s in SCORES], (0, 5.4))
    ax.set_title(tr("scores_title", lang), fontsize=10)
    return save(fig, path)


def error_plot(arms: list[dict], lang: str, path: Path) -> Path:
    """Share of judgements with each error type ticked, per arm, with bootstrap CIs."""
    fig = figure(max(7.0, 1.2 * len(ERROR_TYPES) * max(1, len(arms)) / 2 + 3), 4.2)
    ax = fig.add_subplot()
    _bars(ax, [tr(e, lang) for e in ERROR_TYPES],
          [(a["arm_id"], [a[f"err_{e}"] for e in ERROR_TYPES]) for a in arms], (0, 1.05))
    ax.set_ylabel(tr("rate", lang))
    ax.set_title(tr("errors_title", lang), fontsize=10)
    return save(fig, path)


def bt_plot(bt: dict, lang: str, path: Path) -> Path:
    """Bradley-Terry strengths with 95% intervals (the reference arm is 0 by definition)."""
    fig = figure(6.0, 1.2 + 0.5 * len(bt["strengths"]))
    ax = fig.add_subplot()
    rows = bt["strengths"]
    for y, s in enumerate(rows):
        if s["strength"] is None:
            continue
        low, high = s["low"] if s["low"] is not None else s["strength"], s["high"] or s["strength"]
        ax.errorbar([s["strength"]], [y], xerr=[[s["strength"] - low], [high - s["strength"]]], fmt="o", capsize=4)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(rows)), [s["arm_id"] for s in rows])
    ax.set_xlabel(tr("strength", lang))
    title = tr("bt_title", lang, ref=bt["reference"])
    ax.set_title(title + (f"\n{bt['note']}" if bt.get("note") else ""), fontsize=9)
    return save(fig, path)
