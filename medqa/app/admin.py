"""The coordinator tab: rating counts, mean ratings per model with a plot, filters and exports.

It exists only when MEDQA_ADMIN_PASSWORD is set, and every handler checks the password itself:
the API can call a handler directly, so hiding the tab would not be enough. Wrong passwords make
the client wait longer and longer (medqa.app.throttle) and are logged. Exports and the plot go to
the page that asked, inside the reply, never as a file URL (medqa.app.downloads).
"""

from __future__ import annotations

import hmac
import logging
import math
import tempfile
import time
from pathlib import Path

import gradio as gr
import pandas as pd

from medqa.app.downloads import SAVE_JS, file_payload, inline_image
from medqa.app.i18n import Labels, t
from medqa.app.throttle import LoginGate, LoginThrottle
from medqa.core.figures import figure, save
from medqa.core.redact import redact
from medqa.feedback.exports import summarise
from medqa.feedback.ratings import SCORES

log = logging.getLogger("medqa.app")
SIGNED_IN_S = 8 * 3600  # a coordinator's page that gave the right password stays signed in a working day
SUMMARY_COLUMNS = ("col_model", "col_n", "col_thumbs_up", "col_accuracy", "col_completeness", "col_safety")


def summary_headers(lang: str) -> list[str]:
    """The summary table's column names in `lang`."""
    return [t(key, lang) for key in SUMMARY_COLUMNS]


def plot_summary(summary: list[dict], path: str | Path, lang: str) -> Path:
    """A PNG bar chart of mean accuracy/completeness/safety per model (FeedbackStore.summary rows), in `lang`."""
    fig = figure(max(6.0, 1.8 * len(summary) + 2), 4.5)
    ax = fig.add_subplot()
    if not summary:
        ax.text(0.5, 0.5, t("plot_empty", lang), ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return save(fig, path)
    width = 0.8 / len(SCORES)
    for k, name in enumerate(SCORES):
        xs = [i + (k - 1) * width for i in range(len(summary))]
        ax.bar(xs, [r[f"mean_{name}"] or 0.0 for r in summary], width, label=t(name, lang))
    ax.set_xticks(range(len(summary)), [f"{r['label']}\n(n={r['n']})" for r in summary], fontsize=8)
    ax.set_ylim(0, 5)
    ax.set_ylabel(t("plot_ylabel", lang))
    ax.set_title(t("plot_title", lang))
    ax.legend(loc="upper right", fontsize=8)
    return save(fig, path)


class AdminHandlers:
    """Handlers of the coordinator tab over one FeedbackStore."""

    def __init__(self, store, password: str, language: str = "zh", throttle: LoginThrottle | None = None,
                 gate: LoginGate | None = None) -> None:
        self.store, self.password, self.language = store, password, language
        self.gate = gate or LoginGate(throttle=throttle)  # the app's one gate, shared with the study's secrets
        self.throttle = self.gate.throttle
        self.out_dir = Path(tempfile.mkdtemp(prefix="medqa-coordinator-"))

    def allowed(self, password: str | None) -> bool:
        """Whether `password` is the coordinator password."""
        # compare_digest: the time taken does not tell how much of a guess was right.
        return bool(password) and hmac.compare_digest(str(password).encode(), self.password.encode())

    def refusal(self, password: str | None, request: gr.Request | None, lang: str | None = None) -> str | None:
        """None when `password` is right and the client may try now; else the message to show."""
        refused = self.gate.attempt(request, lambda: self.allowed(password), "coordinator password",
                                    remember_s=SIGNED_IN_S)
        if refused is None:
            return None
        if not refused.compared:  # refused unseen: a guess during the wait tells nothing
            return t("admin_wait", lang or self.language, seconds=math.ceil(refused.wait_s))
        return t("wrong_password", lang or self.language)

    @staticmethod
    def filters(since, until, clinician, model) -> dict:
        """Empty fields mean 'no filter'."""
        return {"since": (since or "").strip() or None, "until": (until or "").strip() or None,
                "clinician": (clinician or "").strip() or None, "model": (model or "").strip() or None}

    def view(self, password, since, until, clinician, model, state=None, request: gr.Request = None) -> tuple:
        """Counts, the summary table and the plot (an inline <img>) for the filters, in the page's language (the
        session `state` knows it); (message, None, "") when refused."""
        lang = getattr(state, "language", None) or self.language
        if refused := self.refusal(password, request, lang):
            return refused, None, ""
        filters = self.filters(since, until, clinician, model)
        try:
            rows = self.store.ratings(**filters)
        except ValueError as exc:  # a malformed date
            return t("bad_date", lang, value=exc), None, ""
        except Exception as exc:  # a database that is down: said, never an HTTP 500
            log.error("ratings not read: %s: %s", type(exc).__name__, redact(str(exc)))
            return t("store_unreadable", lang), None, ""
        summary = summarise(rows)  # from the rows just read, not a second read of the store
        plot = plot_summary(summary, self.out_dir / f"summary-{time.time_ns()}.png", lang)
        counts = t("counts", lang, n=len(rows), clinicians=len({r["clinician_id"] for r in rows}),
                   models=len({r["model_id"] for r in rows}))
        data = [[s["label"], s["n"], _round(s["thumbs_up_share"]), _round(s["mean_accuracy"]),
                 _round(s["mean_completeness"]), _round(s["mean_safety"])] for s in summary]
        return counts, pd.DataFrame(data, columns=summary_headers(lang)), inline_image(plot, t("plot_title", lang))

    def export(self, kind: str, password, since, until, clinician, model, state=None,
               request: gr.Request = None) -> tuple:
        """A CSV (utf-8-sig, for Excel) or JSONL file of the filtered ratings, as a download payload (the bytes in
        the reply; see medqa.app.downloads), said in the page's language."""
        lang = getattr(state, "language", None) or self.language
        if refused := self.refusal(password, request, lang):
            return refused, ""
        filters = self.filters(since, until, clinician, model)
        path = self.out_dir / f"medqa-ratings-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6}.{kind}"
        try:
            written = (self.store.export_csv if kind == "csv" else self.store.export_jsonl)(path, **filters)
            count = self.store.count(**filters)
        except ValueError as exc:
            return t("bad_date", lang, value=exc), ""
        except Exception as exc:
            log.error("ratings not exported: %s: %s", type(exc).__name__, redact(str(exc)))
            return t("store_unreadable", lang), ""
        mime = "text/csv" if kind == "csv" else "application/x-ndjson"
        return t("exported", lang, n=count), file_payload(written, mime)


    def export_csv(self, password, since, until, clinician, model, state=None, request: gr.Request = None) -> tuple:
        """The CSV export event."""
        return self.export("csv", password, since, until, clinician, model, state, request)

    def export_jsonl(self, password, since, until, clinician, model, state=None,
                     request: gr.Request = None) -> tuple:
        """The JSONL export event."""
        return self.export("jsonl", password, since, until, clinician, model, state, request)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def build_admin_tab(admin: AdminHandlers, labels: Labels, state: gr.State) -> None:
    """The tab's components and events, inside the caller's gr.Tabs; `labels` makes the relabelled components,
    and the chat's session `state` tells the page's language."""
    with labels(gr.Tab, {"label": "coordinator"}, id="coordinator"):
        with gr.Row():
            password = labels(gr.Textbox, {"label": "password"}, type="password", scale=2)
            refresh = labels(gr.Button, {"value": "refresh"}, variant="primary", scale=1)
        with gr.Row():
            since = labels(gr.Textbox, {"label": "since"})
            until = labels(gr.Textbox, {"label": "until"})
            clinician = labels(gr.Textbox, {"label": "filter_clinician"})
            model = labels(gr.Textbox, {"label": "filter_model"})
        counts = gr.Markdown()
        table = labels(gr.Dataframe, {"headers": SUMMARY_COLUMNS}, interactive=False)
        plot = gr.HTML(elem_id="coordinator-plot")
        with gr.Row():
            csv_button = labels(gr.Button, {"value": "export_csv"})
            jsonl_button = labels(gr.Button, {"value": "export_jsonl"})
        download = gr.Textbox(visible=False, elem_id="coordinator-download")  # the payload SAVE_JS saves
    filters = [password, since, until, clinician, model]
    refresh.click(admin.view, [*filters, state], [counts, table, plot], api_name="admin_view")
    csv_button.click(admin.export_csv, [*filters, state], [counts, download], api_name="admin_export_csv").then(
        None, [download], None, js=SAVE_JS)
    jsonl_button.click(admin.export_jsonl, [*filters, state], [counts, download],
                       api_name="admin_export_jsonl").then(
        None, [download], None, js=SAVE_JS)
