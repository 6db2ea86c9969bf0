"""results.md of a SLAKE run: a row per model, CLOSED and OPEN figures under each published convention, then
the same per content type; every cell with its image-level bootstrap 95% interval."""

from __future__ import annotations

from medqa.eval.slake_summary import FIGURES
from medqa.eval.tables import cell

MAIN = ("closed_em", "closed_yesno", "open_em", "open_recall")
TITLES = {"closed_em": "CLOSED exact match", "closed_yesno": "CLOSED yes/no acc. (LLaVA-Med, en)",
          "open_em": "OPEN exact match", "open_recall": "OPEN recall (LLaVA-Med)", "open_f1": "OPEN token F1"}


def _row(name: str, block: dict, keys: tuple[str, ...], before: tuple = (), after: tuple = ()) -> str:
    cells = [cell(block.get(k, {}).get("value"), block.get(k, {}).get("ci95")) for k in keys]
    return "| " + " | ".join([name.replace("|", "/"), *before, *cells, *after]) + " |"


def _setting(entry: dict) -> str:
    limit = f", first {entry['limit']} questions" if entry.get("limit") else ""
    return (f"SLAKE `{entry['data']}`, split **{entry['split']}**, language **{entry['lang']}**, modality "
            f"**{entry['modality']}**{limit}: {entry['n']} questions on {entry['images']} images")


def slake_markdown(results: dict, skipped: str = "nothing skipped") -> str:
    """The SLAKE table (results.md) of every row in results.json."""
    first = next(iter(results.values()))
    conventions = [f"- **{TITLES[k]}**: {FIGURES[k][2]}, as in {FIGURES[k][3]} (see medqa.eval.slake_scoring)."
                   for k in (*MAIN, "open_f1")]
    lines = ["# SLAKE evaluation", "", _setting(first) + ".", "",
             "Cells: figure [image-level bootstrap 95% interval]; each column names the convention it follows, "
             "so a row can stand beside a published one scored the same way:", "", *conventions, "",
             "## All questions", "", "| Model | " + " | ".join(TITLES[k] for k in MAIN) + " |",
             "|---|" + "---:|" * len(MAIN)]
    lines += [_row(name, r["all"], MAIN) for name, r in results.items()]
    n = first["all"]
    lines += ["", f"Questions: CLOSED {n['closed_em']['n']} ({n['closed_yesno']['n']} in English), "
                  f"OPEN {n['open_em']['n']}."]
    types = sorted({t for r in results.values() for t in r.get("by_content_type", {})})
    keys = ("closed_em", "open_em", "open_recall")
    lines += ["", "## By content type", "", "| Model | Content type | " + " | ".join(TITLES[k] for k in keys) +
              " | questions |", "|---|---|" + "---:|" * (len(keys) + 1)]
    for name, r in results.items():
        for t in types:
            block = r["by_content_type"].get(t)
            if block:
                count = block["closed_em"]["n"] + block["open_em"]["n"]
                lines.append(_row(name, block, keys, before=(t,), after=(str(count),)))
    errors = [f"{m}: {r['errors']} of {r['n']}" for m, r in results.items() if r.get("errors")]
    if errors:
        lines += ["", "Error rows (scored as empty answers): " + "; ".join(errors) + "."]
    lines += ["", f"SLAKE entries skipped while reading: {skipped}."]
    return "\n".join(lines) + "\n"
