"""The study's tabs in the demo: the rater's view (sign in, queue, blind answers, form) and the coordinator's.

API names (gradio_client, bench/ratings_load.py): /study_sign_in, /study_show, /study_submit,
/study_previous, /study_progress, /study_report. The rating events skip Gradio's queue
(`queue=False`): they touch only the database, and a queued event pays for a server-sent-event
stream per click, which was most of the 2.8 s p99 under 20 concurrent raters.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import gradio as gr

from medqa.app.admin import SIGNED_IN_S
from medqa.app.downloads import SAVE_JS, payload
from medqa.app.throttle import LoginGate
from medqa.core.redact import redact
from medqa.study.handlers import OUTPUTS, StudyHandlers, password_ok, refusal_text
from medqa.study.labels import tr
from medqa.study.report import write_report
from medqa.study.schema import ERROR_TYPES, PREFERENCES, SCORES
from medqa.study.store import MAX_COMMENT_CHARS

log = logging.getLogger("medqa.study")
SCORE_CHOICES = ["1", "2", "3", "4", "5"]
# Keyboard shortcuts: A / B / T / X pick the preference and Ctrl+Enter submits, unless the rater is typing.
SHORTCUTS_JS = """
<script>
document.addEventListener('keydown', (e) => {
  const root = document.querySelector('#study-case');
  if (!root || root.offsetParent === null) return;
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
    e.preventDefault(); document.querySelector('#study-submit')?.click(); return;
  }
  const typing = ['TEXTAREA', 'INPUT'].includes(e.target.tagName) && e.target.type !== 'radio'
                 && e.target.type !== 'checkbox';
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  const keys = {a: 0, b: 1, t: 2, x: 3};
  const k = keys[e.key.toLowerCase()];
  if (k === undefined) return;
  const inputs = document.querySelectorAll('#study-preference input[type=radio]');
  if (inputs[k]) { inputs[k].click(); e.preventDefault(); }
});
</script>
"""


def _answer_form(letter: str, lang: str, pairwise: bool) -> list:
    title = tr(f"answer_{letter.lower()}", lang) if pairwise else tr("answer", lang)
    with gr.Column(elem_id=f"study-answer-{letter.lower()}", visible=letter == "A" or pairwise, scale=2,
                   min_width=280):
        gr.Markdown(f"#### {title}")
        answer = gr.Markdown(elem_id=f"study-text-{letter.lower()}", container=True, min_height=120)
        scores = [gr.Radio(SCORE_CHOICES, label=tr(s, lang), elem_id=f"study-{s}-{letter.lower()}") for s in SCORES]
        errors = gr.CheckboxGroup([(tr(e, lang), e) for e in ERROR_TYPES], label=tr("errors", lang),
                                  elem_id=f"study-errors-{letter.lower()}")
    return [answer, *scores, errors]


def rater_tab(handlers: StudyHandlers, title: str) -> None:
    """The rater's tab: sign-in, then one case at a time with its form; wires the study_* API events."""
    lang, pairwise = handlers.lang, handlers.pairwise
    token = gr.Textbox(visible=False)
    assignment = gr.Number(visible=False, precision=0)
    gr.Markdown(f"### {title}")
    with gr.Column(elem_id="study-signin") as signin:
        gr.Markdown(tr("sign_in_title", lang))
        code = gr.Textbox(label=tr("code", lang), type="password", elem_id="study-code", max_lines=1)
        sign_in = gr.Button(tr("sign_in", lang), variant="primary", elem_id="study-sign-in")
    progress = gr.Markdown(elem_id="study-progress")
    with gr.Column(visible=False, elem_id="study-case") as case:
        question = gr.Markdown(elem_id="study-question")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                image = gr.Image(label=tr("image", lang), type="filepath", interactive=False, height=560,
                                 elem_id="study-image", buttons=["fullscreen", "download"])
            a_parts = _answer_form("A", lang, pairwise)
            b_parts = _answer_form("B", lang, pairwise)
        preference = gr.Radio([(tr(f"pref_{p}", lang), p) for p in PREFERENCES], label=tr("preference", lang),
                              elem_id="study-preference", visible=pairwise)
        # max_length stops the browser; the store refuses a longer one again (the API takes any string).
        comment = gr.Textbox(label=tr("comment", lang), lines=2, elem_id="study-comment", max_length=MAX_COMMENT_CHARS)
        with gr.Row():
            previous = gr.Button(tr("previous", lang), elem_id="study-previous")
            submit = gr.Button(tr("submit", lang), variant="primary", elem_id="study-submit")
        gr.Markdown(tr("shortcuts", lang))
    status = gr.Markdown(elem_id="study-status")
    back = gr.Button(tr("back_to_last", lang), visible=False, elem_id="study-back")  # on the finished screen
    form = [*a_parts[1:], *b_parts[1:], preference, comment]
    parts = {"signin": signin, "case": case, "back": back, "progress": progress, "image": image, "question": question,
             "answer_a": a_parts[0], "answer_b": b_parts[0], "status": status, "assignment": assignment,
             "token": token} | {f"f{k}": c for k, c in enumerate(form)}
    outputs = [parts[name] for name in OUTPUTS]
    # No queue, no per-component pre/post-processing: the handlers take and give the wire values (see
    # handlers._image); Gradio's thread hop per input and output was most of a rating's server time.
    fast = {"queue": False, "preprocess": False, "postprocess": False}
    sign_in.click(handlers.sign_in, [code], outputs, api_name="study_sign_in", **fast)
    code.submit(handlers.sign_in, [code], outputs, api_visibility="private", **fast)
    submit.click(handlers.submit, [token, assignment, *form], outputs, api_name="study_submit", **fast)
    previous.click(handlers.previous, [token, assignment], outputs, api_name="study_previous", **fast)
    back.click(handlers.previous, [token, assignment], outputs, api_visibility="private", **fast)
    shown = gr.Number(visible=False, precision=0)  # /study_show(token, position): reopen a case by its number
    gr.Button(visible=False).click(handlers.show, [token, shown], outputs, api_name="study_show", **fast)


def coordinator_tab(store, password: str | None, lang: str, gate: LoginGate | None = None) -> None:
    """Progress per rater and per case, and the report, behind the coordinator password (through the app's one
    login gate). The report's files come as one zip inside the reply, never as a file URL (medqa.app.downloads)."""
    gate = gate or LoginGate()
    secret = gr.Textbox(label=tr("password", lang), type="password", elem_id="study-admin-password", max_lines=1)
    with gr.Row():
        show = gr.Button(tr("show_progress", lang), elem_id="study-show-progress")
        report = gr.Button(tr("make_report", lang), variant="primary", elem_id="study-make-report")
    message = gr.Markdown()
    raters = gr.Dataframe(label=tr("raters_table", lang), interactive=False, elem_id="study-raters")
    cases = gr.Dataframe(label=tr("cases_table", lang), interactive=False, elem_id="study-cases")
    files = gr.Textbox(visible=False, elem_id="study-report-files")  # the zip's payload, saved by SAVE_JS
    summary = gr.HTML(elem_id="study-report-html")

    def refused(given, request) -> str | None:
        verdict = gate.attempt(request, lambda: password_ok(given, password), "study coordinator password",
                               remember_s=SIGNED_IN_S)
        return None if verdict is None else refusal_text(verdict, "wrong_password", lang)

    def progress(given, request: gr.Request):
        if (why := refused(given, request)) is not None:
            return why, None, None
        try:
            data = store.progress()
        except Exception as exc:  # a database that is down: said, never an HTTP 500
            log.error("progress not read: %s: %s", type(exc).__name__, redact(str(exc)))
            return tr("database_down", lang), None, None
        rater_rows = [[r["rater_id"], r["done"], r["total"], local_time(r["last"]), "✓" if r["invited_at"] else ""]
                      for r in data["raters"]]
        case_rows = [[c["number"], c["case_id"], c["patient"], c["done"], c["total"]] for c in data["cases"]]
        rater_head = [tr(k, lang) for k in ("rater", "done", "total", "last", "invited")]
        case_head = [tr(k, lang) for k in ("case", "col_case_id", "patient", "done", "total")]
        return "", gr.update(value=rater_rows, headers=rater_head), gr.update(value=case_rows, headers=case_head)

    def make_report(given, request: gr.Request):
        if (why := refused(given, request)) is not None:
            return why, "", ""
        out = Path(tempfile.mkdtemp(prefix="medqa-study-report-"))
        try:
            written = write_report(store, out, lang)
            page = Path(written["html"]).read_text(encoding="utf-8")
            zipped = _zip(written.values())
        except Exception as exc:
            log.error("report not made: %s: %s", type(exc).__name__, redact(str(exc)))
            return tr("database_down", lang), "", ""
        finally:
            shutil.rmtree(out, ignore_errors=True)  # never served: the bytes go in the reply
        return "", payload("report.zip", zipped, "application/zip"), f'<iframe srcdoc="{_attr(page)}" ' \
                                                                     f'style="width:100%;height:900px;' \
                                                                     f'border:1px solid #ddd"></iframe>'

    show.click(progress, [secret], [message, raters, cases], api_name="study_progress")
    report.click(make_report, [secret], [message, files, summary], api_name="study_report").then(
        None, [files], None, js=SAVE_JS)


def local_time(stamp: str | None) -> str:
    """A stored UTC stamp as the server's local time to the second ('2026-12-07 15:04:05'); '' for none."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _zip(paths) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, Path(path).name)
    return buffer.getvalue()


def _attr(text: str) -> str:
    import html

    return html.escape(text, quote=True)
