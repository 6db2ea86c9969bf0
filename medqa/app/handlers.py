"""The demo's event handlers: `DemoHandlers` binds them to one backend, store and settings.

Nothing is global, so two demos in one process (as in the tests) never share state. Each
browser session has its own `ChatSession` in a `gr.State`; the model is shared, behind the
backend's lock and the queue's concurrency limit. The chat handlers return, in this order:
(chatbot, state, image, answer number, reference panel, question box); see `DemoHandlers.out`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from pathlib import Path

import gradio as gr

from medqa.app import backends, examples
from medqa.app.context import DemoContext
from medqa.app.i18n import t
from medqa.app.image_errors import image_problem
from medqa.app.rating_handlers import RatingHandlers
from medqa.app.session import (
    ChatSession,
    DisplayItem,
    InputError,
    add_answer,
    drop_last_answer,
    error_text,
    fit_context,
    parse_region,
    prepare_question,
    reset_conversation,
    set_image,
    shown_answer,
    user_turn,
)
from medqa.app.uploads import UploadLedger
from medqa.core.conversation import message_text
from medqa.core.imaging import ImageError, ImageTooLarge, load_image
from medqa.core.redact import redact
from medqa.serve.decoding import DecodingSettings
from medqa.serve.grounding import Box, draw_boxes, parse_boxes, region_prompt

log = logging.getLogger("medqa.app")


class DemoHandlers(RatingHandlers):
    """Every event handler of the demo, bound to one backend, store and settings."""

    def __init__(self, backend, store, settings, context: DemoContext) -> None:
        self.backend, self.store, self.settings, self.ctx = backend, store, settings, context
        self.stops: dict[str, threading.Event] = {}
        self.stops_lock = threading.Lock()
        self.uploads = UploadLedger()
        # ZeroGPU lends a GPU only inside spaces.GPU-decorated calls; elsewhere this is the plain method.
        self.stream = backends.gpu_decorator()(self._stream)

    def _stream(self, turns, decoding, stop):
        yield from self.backend.stream(turns, decoding, stop)

    # -- helpers ----------------------------------------------------------------------------
    def session(self, state: ChatSession | None, request: gr.Request | None) -> ChatSession:
        """The session's ChatSession, created on its first event."""
        if state is not None:
            return state
        sid = getattr(request, "session_hash", None) or f"local-{id(self)}-{time.time_ns()}"
        return ChatSession(sid, language=self.settings.language)

    def out(self, session, image=None, reference=None, number=None, question=None) -> tuple:
        """The chat handlers' outputs; None means 'leave that component as it is'."""
        keep = gr.skip()
        return (session.chat_messages(), session, keep if image is None else image,
                keep if number is None else number, keep if reference is None else reference,
                keep if question is None else question)

    def decoding(self, strategy, max_new, beams, temperature, top_p, lang) -> DecodingSettings:
        """DecodingSettings from the controls; InputError (in the session's language) when they make none."""
        try:
            return DecodingSettings(strategy=strategy or "greedy", max_new_tokens=int(max_new),
                                    num_beams=int(beams), temperature=float(temperature), top_p=float(top_p))
        except (TypeError, ValueError) as exc:
            raise InputError(t("bad_decoding", lang, detail=exc)) from None

    def stop_event(self, session_id: str) -> threading.Event:
        """This session's stop flag, cleared for a new answer."""
        with self.stops_lock:
            event = self.stops.setdefault(session_id, threading.Event())
        event.clear()
        return event

    def annotated(self, session: ChatSession, text: str = "", region=None):
        """The session's image with the answer's boxes (or the marked region) drawn on it."""
        if session.image is None:
            return None
        size = session.image.size
        boxes = parse_boxes(text, size, self.ctx.style, backends.model_input_size(self.backend, size)) if text else []
        if region is not None:
            boxes.append(Box(*region, label=t("region_tag", session.language)))
        return draw_boxes(session.image, boxes) if boxes else session.image

    # -- chat -------------------------------------------------------------------------------
    def ask(self, question, strategy, max_new, beams, temperature, top_p, state, request: gr.Request):
        """Send: the question (with the image, if not yet sent) becomes one user turn; the answer streams in."""
        session = self.session(state, request)
        try:
            text, notices = prepare_question(question, self.settings.max_question_chars, session.language)
            decoding = self.decoding(strategy, max_new, beams, temperature, top_p, session.language)
            self.check_answerable(session)
        except InputError as exc:
            session.notice(str(exc))
            yield self.out(session)
            return
        yield from self.turn(session, text, text, notices, decoding)

    def ask_region(self, region, question, strategy, max_new, beams, temperature, top_p, state,
                   request: gr.Request):
        """Ask about the marked region: it goes to the model in the model's own box format."""
        session = self.session(state, request)
        lang = session.language
        try:
            if session.image is None:
                raise InputError(t("no_image_for_region", lang))
            self.check_answerable(session)
            x1, y1, x2, y2 = parse_region(region, session.image.size, lang)
            text, notices = prepare_question(question or t("region_default_question", lang),
                                             self.settings.max_question_chars, lang)
            decoding = self.decoding(strategy, max_new, beams, temperature, top_p, lang)
        except InputError as exc:
            session.notice(str(exc))
            yield self.out(session)
            return
        size = session.image.size
        box = region_prompt(Box(x1, y1, x2, y2), size, self.ctx.style, backends.model_input_size(self.backend, size))
        shown = f"[{t('region_tag', lang)} ({x1}, {y1}) – ({x2}, {y2})] {text}"
        yield from self.turn(session, f"{box} {text}", shown, notices, decoding)

    def check_answerable(self, session: ChatSession) -> None:
        """InputError when no answer can be honest: no model configured, or no image to ask about."""
        if self.ctx.no_model:
            raise InputError(t("no_model", session.language))
        if session.image is None:  # a film question without a film would be answered about nothing
            raise InputError(t("need_image", session.language))

    def turn(self, session, text, shown, notices, decoding):
        """Add the user turn (model text, shown text) and any notices, then stream the answer."""
        session.turns.append(user_turn(session, text))
        session.display.append(DisplayItem("user", shown))
        for notice in notices:
            session.notice(notice)
        yield from self.answer(session, decoding)

    def answer(self, session: ChatSession, decoding: DecodingSettings):
        """Stream an answer to the pending user turn; errors become a chat message and the session goes on."""
        lang = session.language
        cap = self.settings.context_tokens // 2  # an answer may not crowd the question out of the context
        if decoding.max_new_tokens > cap:
            decoding = dataclasses.replace(decoding, max_new_tokens=cap)
            session.tell("max_new_capped", n=cap)
        budget = self.settings.context_tokens - decoding.max_new_tokens - self.ctx.count(self.backend.fmt.system_prompt)
        turns, dropped, cut = fit_context(session.turns, budget, self.ctx.count, self.ctx.image_tokens)
        if dropped:
            session.tell("history_truncated", turns=dropped)
        if cut:
            session.tell("question_cut")
        stop = self.stop_event(session.session_id)
        item = DisplayItem("assistant", "…")
        session.display.append(item)
        yield self.out(session, question="")
        start, text = time.perf_counter(), ""
        try:
            for text in self.stream(turns, decoding, stop):
                item.text = shown_answer(text)
                yield self.out(session)
            stopped = stop.is_set()
        except Exception as exc:  # OOM, a dead server, a broken model: said in the chat, never a crash
            log.warning("generation failed: %s: %s", type(exc).__name__, redact(str(exc)))
            session.turns.pop()  # the failed question leaves the model's history; it stays on screen
            item.text = error_text(exc, lang)
            backends.free_memory(exc)
            yield self.out(session)
            return
        finally:
            stop.set()  # a closed stream (client gone) must not leave the model generating
        item.answer = add_answer(session, text, decoding.to_dict(), round(time.perf_counter() - start, 3), stopped)
        item.text = shown_answer(text) + (" " + t("stopped", lang) if stopped else "")
        reference = None
        if session.reference is not None:
            question = message_text(session.turns[-2])
            reference = examples.reference_markdown(session.reference, lang, question, text)
        yield self.out(session, image=self.annotated(session, text), reference=reference, number=item.answer + 1)

    def stop(self, request: gr.Request) -> None:
        """Stop: ends this session's answer at the next token; the partial answer is kept."""
        with self.stops_lock:
            event = self.stops.get(getattr(request, "session_hash", None))
        if event is not None:
            event.set()

    def regenerate(self, strategy, max_new, beams, temperature, top_p, state, request: gr.Request):
        """Regenerate: drop the last answer and answer the same question again."""
        session = self.session(state, request)
        try:
            decoding = self.decoding(strategy, max_new, beams, temperature, top_p, session.language)
        except InputError as exc:
            session.notice(str(exc))
            yield self.out(session)
            return
        if not drop_last_answer(session):
            session.tell("nothing_to_regenerate")
            yield self.out(session)
            return
        yield from self.answer(session, decoding)

    def clear(self, state, request: gr.Request) -> tuple:
        """Clear: a new conversation about the same image; the clinician id stays."""
        session = self.session(state, request)
        reset_conversation(session)
        return self.out(session, image=self.annotated(session) or gr.update(value=None), number=1)

    def forget(self, request: gr.Request) -> None:
        """The browser left: drop its stop flag."""
        with self.stops_lock:
            self.stops.pop(getattr(request, "session_hash", None), None)

    # -- images -----------------------------------------------------------------------------
    def upload(self, file, state, request: gr.Request) -> tuple:
        """A PNG / JPEG / DICOM upload becomes the session's case; a bad file is explained in the chat.

        Returns the chat outputs and the file box (emptied when the file was refused). The session keeps its own
        decoded copy; Gradio's file is deleted once no session is reading it (medqa.app.uploads).
        """
        session = self.session(state, request)
        if not file:
            return (*self.out(session), gr.skip())
        path = Path(file)
        self.uploads.claim(path, session.session_id)  # before reading: nobody deletes it while this session reads
        try:
            outputs = self.use_image(session, path, path.name)
        finally:
            self.uploads.discard(path, session.session_id)
        return (*outputs, gr.skip() if session.image is not None else None)

    def load_example(self, name, state, request: gr.Request) -> tuple:
        """Load an example X-ray from the configured folder, read in place."""
        session = self.session(state, request)
        try:
            path = examples.example_path(self.settings.examples_dir or "", name or "")
        except ValueError as exc:
            log.info("example refused: %s", exc)
            short, message = Path(name or "").name, str(exc)
            session.told(lambda lang: t("image_error", lang, detail=image_problem(message, short, lang)))
            return self.out(session)
        return self.use_image(session, path, Path(name).name)

    def pick_example(self, state, evt: gr.SelectData, request: gr.Request) -> tuple:
        """A thumbnail of the examples' gallery was clicked: load that example."""
        thumbnails = self.ctx.example_thumbnails
        index = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= index < len(thumbnails):
            return self.out(self.session(state, request))
        return self.load_example(thumbnails[index][2], state, request)

    def use_image(self, session: ChatSession, path: Path, name: str) -> tuple:
        """Open `path` as the session's case, or explain in the chat why it cannot be used.

        The image is checked against the upload limits before it is decoded, and the session keeps it
        at the model's pixel budget, not at its original size.
        """
        lang = session.language
        try:
            image = load_image(path, name=name, limits=self.settings.image_limits, fit_pixels=self.ctx.image_pixels)
        except Exception as exc:  # whatever a hostile file triggers is still the file's fault
            # The English text, with the library's words, for the log; the clinician gets its meaning in the page's
            # language (medqa.app.image_errors).
            log.info("image refused: %s: %s", type(exc).__name__, exc)
            key = "image_too_large" if isinstance(exc, ImageTooLarge) else "image_error"
            message = str(exc) if isinstance(exc, ImageError) else ""
            return self.refuse_image(session, lambda lang: t(key, lang, detail=image_problem(message, name, lang)))
        set_image(session, image, name, self.ctx.references.get(examples.image_key(name)))
        return self.out(session, image=image, number=1,
                        reference=examples.reference_markdown(session.reference, lang))

    def refuse_image(self, session: ChatSession, say) -> tuple:
        """A file that cannot be used (`say(lang)`: why): the previous image goes too, so no answer is about a film
        not shown."""
        had_image = session.image is not None
        reset_conversation(session, keep_image=False)
        session.told(say)
        if had_image:
            session.tell("image_cleared")
        return self.out(session, image=gr.update(value=None), reference="", number=1)

    def mark(self, region, state, evt: gr.SelectData, request: gr.Request) -> tuple:
        """A click on the image: the first sets one corner, the second completes the region."""
        session = self.session(state, request)
        if session.image is None or not isinstance(evt.index, (list, tuple)):
            return gr.skip(), gr.skip(), session
        x, y = (int(v) for v in evt.index[:2])
        corners = [int(float(v)) for v in re.findall(r"-?\d+(?:\.\d+)?", region or "")]
        if len(corners) != 2:
            return f"{x}, {y}", gr.skip(), session
        try:
            box = parse_region(f"{corners[0]} {corners[1]} {x} {y}", session.image.size, session.language)
        except InputError:
            return f"{x}, {y}", gr.skip(), session
        return ", ".join(map(str, box)), self.annotated(session, region=box), session
