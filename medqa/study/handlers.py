"""The rater view's event handlers: sign in, show a case, submit a judgement. No state lives in the app.

The page keeps a sign-in token and the shown assignment's id in hidden fields; every handler
reads the rater and the queue from the study store, so a rater resumes where the database says
(on any browser, on any app replica) and a submission's effect does not depend on which
process serves it. `show` returns the same list of outputs every time (see `OUTPUTS`), with the
form emptied for a new case and filled for one already judged.
"""

from __future__ import annotations

import functools
import hmac
import logging
import math

import gradio as gr

from medqa.app.throttle import LoginGate
from medqa.core.redact import redact
from medqa.study.labels import tr
from medqa.study.schema import SCORES
from medqa.study.store import AnswerJudgement, StudyStore, StudyStoreError, Submission

log = logging.getLogger("medqa.study")
FORM_FIELDS = 10  # 3 scores + errors for A, the same for B, preference, comment
OUTPUTS = ("signin", "case", "back", "progress", "image", "question", "answer_a", "answer_b", *(f"f{k}" for k in
           range(FORM_FIELDS)), "status", "assignment", "token")


def _guard(event: str):
    """A handler whose database failure (or refusal) becomes the app's own message in the page, never an HTTP 500
    (the study's raters must always be told whether their judgement was stored)."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except StudyStoreError as exc:  # e.g. a forged assignment id
                return [gr.skip()] * (len(OUTPUTS) - 3) + [store_error_text(exc, self.lang), gr.skip(), gr.skip()]
            except Exception as exc:
                log.error("%s failed: %s: %s", event, type(exc).__name__, redact(str(exc)))
                return self.guarded(event)

        return guarded

    return wrap


class StudyHandlers:
    """Event handlers of one study's rater view, bound to its store, design and language."""

    def __init__(self, store: StudyStore, design: str, language: str, gate: LoginGate | None = None) -> None:
        self.store, self.design, self.lang = store, design, language
        self.pairwise = design == "pairwise"
        self.gate = gate or LoginGate()  # the app's one login throttle (medqa.app.throttle)

    # -- outputs ------------------------------------------------------------------------------
    def _form(self, entry: dict | None) -> list:
        """Form values: empty for a new case, the saved judgement for one already submitted."""
        saved = (entry or {}).get("judgements") or {}
        values = []
        for letter in ("A", "B"):
            row = saved.get(letter)
            values += [str(row[s]) if row else None for s in SCORES]
            values.append([e for e in _error_names() if row and row[f"err_{e}"]])
        first = saved.get("A")
        pref = first["preference"] if first else None
        arms = {entry["arm_a"]: "A", entry.get("arm_b") or "": "B"} if entry else {}
        values.append(arms.get(pref, pref) if pref else None)
        values.append(first["comment"] if first else "")
        return values

    def _signed_out(self, status: str = "") -> list:
        return [gr.update(visible=True), gr.update(visible=False), gr.update(visible=False), "", None, "", "", "",
                *self._form(None), status, None, ""]

    def _page(self, token: str, rater: str, state: dict, entry: dict | None, status: str,
              layout_known: bool = False) -> list:
        """The page for `entry`; `layout_known`: the case panel is already showing (skip re-sending layout,
        which costs Gradio more than everything else in the reply)."""
        lang = self.lang
        if entry is None:
            progress = tr("all_done", lang, total=state["total"])
            # The finished screen keeps a way back: "back" reopens the last case (to look again or change it).
            return [gr.update(visible=False), gr.update(visible=False), gr.update(visible=True), progress, None, "",
                    "", "", *self._form(None), status, None, token]
        progress = (f"{tr('signed_in', lang, rater=rater)} · "
                    f"{tr('progress', lang, n=entry['position'], total=state['total'])}")
        answers = entry["answers"]
        layout = [gr.skip()] * 3 if layout_known else [gr.update(visible=False), gr.update(visible=True),
                                                       gr.update(visible=False)]
        return [*layout, progress, _image(entry["image"]),
                f"**{tr('question', lang)}：** {entry['question']}", answers.get("A", ""), answers.get("B", ""),
                *self._form(entry), status, entry["assignment_id"], token]

    # -- events -------------------------------------------------------------------------------
    def guarded(self, event: str, saved: int | None = None) -> list:
        """The page after the database failed during `event`: the app's own message, never an HTTP 500. `saved`:
        the case number that was stored before the failure (then it says so)."""
        lang = self.lang
        if saved is not None:
            status = f"{tr('saved', lang, n=saved)} {tr('next_unavailable', lang)}"
        else:
            status = tr("not_saved", lang, detail=tr("store_unavailable", lang)) if event == "submit" else \
                tr("store_unavailable", lang)
        return [gr.skip()] * (len(OUTPUTS) - 3) + [status, gr.skip(), gr.skip()]

    @_guard("sign_in")
    def sign_in(self, code: str, request: gr.Request = None) -> list:
        """Check the access code (through the login throttle); on success show the rater's first unjudged case."""
        found: list = []

        def check() -> bool:
            found.append(self.store.sign_in(code or ""))
            return found[0] is not None

        refused = self.gate.attempt(request, check, "access code")
        if refused is not None:
            return self._signed_out(refusal_text(refused, "bad_code", self.lang))
        rater, token = found[0]
        state = self.store.queue_state(rater)
        return self._page(token, rater, state, state["next"], "")

    @_guard("show")
    def show(self, token: str, position) -> list:
        """Show the rater's case at queue `position` (1-based), or the first unjudged one when it is empty."""
        rater = self.store.rater_for(token)
        if rater is None:
            return self._signed_out(tr("sign_in_first", self.lang))
        state = self.store.queue_state(rater)
        entry = state["next"]
        if position not in (None, ""):
            aid = self.store.assignment_at(rater, int(position))
            entry = self.store.assignment(rater, aid) if aid is not None else entry
        return self._page(token, rater, state, entry, "")

    @_guard("previous")
    def previous(self, token: str, assignment_id) -> list:
        """Go back one case in the queue (to look again or change a judgement)."""
        rater = self.store.rater_for(token)
        if rater is None:
            return self._signed_out(tr("sign_in_first", self.lang))
        current = self.store.assignment(rater, int(assignment_id)) if assignment_id else None
        position = max(1, current["position"] - 1) if current else self.store.queue_state(rater)["done"]
        return self.show(token, position)

    @_guard("submit")
    def submit(self, token, assignment_id, acc_a, comp_a, safe_a, err_a, acc_b, comp_b, safe_b, err_b,
               preference, comment) -> list:
        """Store the judgement (an update when this case was judged before) and show the next unjudged case."""
        lang = self.lang
        rater = self.store.rater_for(token)
        if rater is None:
            return self._signed_out(tr("sign_in_first", lang))
        if assignment_id in (None, ""):
            return self.show(token, None)
        answers = {"A": AnswerJudgement(acc_a, comp_a, safe_a, tuple(err_a or ()))}
        if self.pairwise:
            answers["B"] = AnswerJudgement(acc_b, comp_b, safe_b, tuple(err_b or ()))
        try:
            revision, position = self.store.submit(rater, Submission(int(assignment_id), answers, preference,
                                                                     comment or ""))
        except StudyStoreError as exc:
            return [gr.skip()] * (len(OUTPUTS) - 3) + [tr("not_saved", lang, detail=store_error_text(exc, lang)),
                                                       gr.skip(), gr.skip()]
        except Exception as exc:  # a lost database: the rater must know the judgement was not saved
            log.error("judgement not stored: %s: %s", type(exc).__name__, redact(str(exc)))
            return [gr.skip()] * (len(OUTPUTS) - 3) + [tr("not_saved", lang, detail=tr("store_unavailable", lang)),
                                                       gr.skip(), gr.skip()]
        status = tr("saved", lang, n=position) if revision == 1 else tr("updated", lang, n=position, rev=revision)
        try:
            state = self.store.queue_state(rater)
        except Exception as exc:  # stored, but the next case cannot be read: say both
            log.error("next case not shown after a stored judgement: %s: %s", type(exc).__name__, redact(str(exc)))
            return self.guarded("submit", saved=position)
        return self._page(token, rater, state, state["next"], status, layout_known=True)


def _image(path: str) -> dict:
    """The case image as the Image component's wire format: the events skip Gradio's per-component
    post-processing (a worker-thread hop per output), and the images folder is a static path, so the
    file is served in place, never hashed or copied per click."""
    return {"path": path, "orig_name": "case.png", "mime_type": "image/png", "meta": {"_type": "gradio.FileData"}}


def _error_names() -> tuple[str, ...]:
    from medqa.study.schema import ERROR_TYPES

    return ERROR_TYPES


def password_ok(given: str | None, expected: str | None) -> bool:
    """Constant-time password check (the caller passes it through the login gate)."""
    return bool(expected) and hmac.compare_digest(str(given or "").encode(), str(expected).encode())


def store_error_text(exc: StudyStoreError, lang: str) -> str:
    """A refused judgement in the study's language (the English message only where no label names it)."""
    if exc.key is None:
        return str(exc)
    values = dict(exc.values)
    for name in ("answer", "score"):  # label keys themselves, said in the language
        if name in values:
            values[name] = tr(values[name], lang).split(" (")[0]
    return tr(exc.key, lang, **values)


def refusal_text(refused, wrong_key: str, lang: str) -> str:
    """What a refused secret shows: wrong, or 'wait N s' when it was refused unseen."""
    if refused.compared:
        return tr(wrong_key, lang)
    return tr("wait", lang, seconds=math.ceil(refused.wait_s))
