"""The demo's rating and language handlers: the form, the chat's own thumbs, the clinician id, the language switch.

A mixin of `medqa.app.handlers.DemoHandlers` (which gives it `session`, `store`, `settings` and `ctx`).
"""

from __future__ import annotations

import logging
import uuid

import gradio as gr

from medqa.app.i18n import Labels, t
from medqa.app.session import ChatSession, InputError, check_clinician, make_rating
from medqa.core.redact import redact

log = logging.getLogger("medqa.app")


class RatingHandlers:
    """Ratings (form and thumbs), the clinician id and the language switch of one demo."""

    # -- ratings and language -----------------------------------------------------------------
    def set_clinician(self, value, state, request: gr.Request) -> tuple:
        """Set the pseudonymous clinician id once for this session."""
        session = self.session(state, request)
        try:
            session.clinician_id = check_clinician(value, session.language)
        except InputError as exc:
            return str(exc), session
        return f"{t('clinician_set', session.language)}: `{session.clinician_id}`", session

    def rate(self, clinician, number, thumbs, accuracy, completeness, safety, comment, rating_key, state,
             request: gr.Request) -> tuple:
        """Store one rating; the reply says 'saved' only after the store committed it.

        `rating_key` is the form's id (made when the form was shown): the same id sent again, as after a
        lost reply, updates the stored rating instead of adding a second one. Empty: a new rating each time.
        """
        session = self.session(state, request)
        lang = session.language
        try:
            if not session.clinician_id and (clinician or "").strip():
                session.clinician_id = check_clinician(clinician, lang)
            scores = {"accuracy": accuracy, "completeness": completeness, "safety": safety}
            rating = make_rating(session, number, thumbs, scores, comment, self.ctx.model,
                                 max_comment_chars=self.settings.max_comment_chars, rating_key=rating_key)
            row_id, created = self.store.save(rating)
        except InputError as exc:
            return str(exc), session
        except ValueError as exc:
            return t("bad_rating", lang, detail=exc), session
        except Exception as exc:  # a full disk, a locked file, a lost server: the clinician must know it was not saved
            log.error("rating not stored: %s: %s", type(exc).__name__, redact(str(exc)))
            return t("rating_failed", lang, detail=t("store_unavailable", lang)), session
        return t("rating_saved" if created else "rating_updated", lang, id=row_id), session

    def like(self, state, evt: gr.LikeData, request: gr.Request) -> tuple:
        """The chat's own thumbs under a message: saved at once as that answer's rating (the form then shows which
        answer), or, when they cannot be (no clinician id yet, a notice rather than an answer), said right below
        in the chat, and the thumb shown empty again. Returns (chatbot, number, thumbs, status, state)."""
        session = self.session(state, request)
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not isinstance(index, int) or not 0 <= index < len(session.display):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), session
        answer = session.display[index].answer
        if answer is None:  # a notice or a question: nothing a rating could be about
            session.tell("thumb_not_answer")
            return self.chat_update(session), gr.skip(), gr.skip(), gr.skip(), session
        if evt.liked is None:  # a thumb taken back: nothing to store
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), session
        thumbs = "up" if evt.liked else "down"
        # The thumbs of one answer are one rating: clicked again (or changed), it is updated, not repeated.
        key = session.answers[answer].rating_key
        status, session = self.rate(None, answer + 1, thumbs, None, None, None, "", key, session, request)
        if status.startswith("✅"):
            session.answers[answer].thumbs = thumbs
        else:  # e.g. no clinician id: asked for right here, under the message, not only at the page's bottom
            session.notice(status)
        return self.chat_update(session), answer + 1, thumbs, status, session

    @staticmethod
    def chat_update(session: ChatSession) -> dict:
        """The chat with its thumbs as stored (a thumb that was not saved shows empty again)."""
        return gr.update(value=session.chat_messages(), feedback_value=session.feedback())

    @staticmethod
    def new_rating_key() -> str:
        """A fresh id for the rating form, made when the form is shown empty."""
        return uuid.uuid4().hex

    @classmethod
    def reset_form(cls, status: str) -> tuple:
        """After a saved rating the form starts empty for the next answer, with a new id; after a refused one it
        keeps its values and its id (so fixing and resending it stores one rating)."""
        if not str(status or "").startswith("✅"):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return None, None, None, None, "", cls.new_rating_key()

    def switch_language(self, lang, state, labels: Labels, request: gr.Request) -> list:
        """Relabel every component in `labels`; later chat messages use the new language too."""
        session = self.session(state, request)
        session.relanguage(lang if lang in ("zh", "en") else session.language)
        updates = labels.updates(session.language)
        for k, block in enumerate(labels.components):  # the chat's notices, said again in the new language
            if isinstance(block, gr.Chatbot):
                updates[k] = {**updates[k], "value": session.chat_messages(), "feedback_value": session.feedback()}
        return [*updates, session]

