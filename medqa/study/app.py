"""The demo with a study: the rater's tab first, the free chat for exploration, the coordinator's tab.

`build_study_demo(study, store, chat)` wraps the chat demo (medqa.app.ui.build_demo) in one
Blocks with the study's tabs; `demo/app.py --study STUDY.yaml` uses it. `python -m medqa.study
serve` runs the study tabs alone: answers were made by `prepare`, so a rater-only replica needs
no model and no GPU.
"""

from __future__ import annotations

import dataclasses

import gradio as gr

from medqa.study.definition import Study, StudyError, load_study
from medqa.study.handlers import StudyHandlers
from medqa.study.labels import tr
from medqa.study.store import StudyStore
from medqa.study.view import SHORTCUTS_JS, coordinator_tab, rater_tab


def build_study_demo(study: Study, store: StudyStore, chat: gr.Blocks | None = None,
                     admin_password: str | None = None, chat_label: str = "对话 / Chat") -> gr.Blocks:
    """The study app: rater view, the chat demo `chat` (if given) as a tab, and the coordinator view."""
    lang = study.language
    handlers = StudyHandlers(store, study.design, lang)
    # Case images are served in place (prepare wrote them, named by hash), not copied into Gradio's cache.
    gr.set_static_paths([str((study.output / "images").resolve())])
    with gr.Blocks(title=study.title, delete_cache=(1800, 3600)) as demo, gr.Tabs():
        with gr.Tab(tr("tab", lang), id="study"):
            rater_tab(handlers, study.title)
        if chat is not None:
            with gr.Tab(chat_label, id="chat"):
                chat.render()
        if admin_password:
            with gr.Tab(tr("coordinator", lang), id="coordinator"):
                coordinator_tab(store, admin_password, lang)
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
