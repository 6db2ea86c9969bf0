"""The study app: the rater's tab and the coordinator's tab, and nothing else.

`build_study_demo(study, store)` is what `demo/app.py --study STUDY.yaml` and `python -m medqa.study
serve` both run. There is no free chat beside it, by design: a rater who could ask the study's
models the case question would see which arm wrote answer A (greedy decoding repeats itself), and
the study would no longer be blind. Answers were made by `prepare`, so the app needs no model and
no GPU.
"""

from __future__ import annotations

import dataclasses

import gradio as gr

from medqa.app.peers import distrust_forwarded_headers
from medqa.app.throttle import LoginGate
from medqa.study.definition import Study, StudyError, load_study
from medqa.study.handlers import StudyHandlers
from medqa.study.labels import tr
from medqa.study.store import StudyStore
from medqa.study.view import SHORTCUTS_JS, coordinator_tab, rater_tab


def build_study_demo(study: Study, store: StudyStore, admin_password: str | None = None,
                     gate: LoginGate | None = None) -> gr.Blocks:
    """The study app: rater view and coordinator view; `gate` throttles the access codes and the password."""
    lang = study.language
    gate = gate or LoginGate()
    distrust_forwarded_headers()  # the gate counts real peers (medqa.app.peers)
    handlers = StudyHandlers(store, study.design, lang, gate)
    # Case images are served in place (prepare wrote them, named by hash), not copied into Gradio's cache.
    gr.set_static_paths([str((study.output / "images").resolve())])
    with gr.Blocks(title=study.title, delete_cache=(1800, 3600)) as demo, gr.Tabs():
        with gr.Tab(tr("tab", lang), id="study"):
            rater_tab(handlers, study.title)
        if admin_password:
            with gr.Tab(tr("coordinator", lang), id="coordinator"):
                coordinator_tab(store, admin_password, lang, gate)
    demo.queue(default_concurrency_limit=4, max_size=256)
    return demo


def open_study(path: str, db: str | None = None) -> tuple[Study, StudyStore]:
    """Load a study file and open its prepared database; StudyError when `prepare` has not run."""
    study = load_study(path)
    if db:
        study = dataclasses.replace(study, db=db)
    store = StudyStore(study.db, study.study_id)
    if store.study_row() is None:
        store.close()
        raise StudyError(f"study {study.study_id!r} is not prepared in {store.db.describe()}: run "
                         f"`python -m medqa.study prepare {path}` first")
    return study, store


def study_launch_options(study: Study, base: dict | None = None) -> dict:
    """launch() options: the chat demo's theme and CSS, the keyboard shortcuts, and the case images' folder."""
    options = dict(base or {})
    options["head"] = (options.get("head") or "") + SHORTCUTS_JS
    options["allowed_paths"] = [*options.get("allowed_paths", []), str((study.output / "images").resolve())]
    return options
