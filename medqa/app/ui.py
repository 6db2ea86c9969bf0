"""The clinician demo as a Gradio Blocks app: `build_demo(backend, store, settings)`.

Layout follows the paper's Figure 2 (the X-ray beside a Chinese conversation) plus what a user
study needs: decoding controls, boxes drawn on the image, region questions, reference answers
with ROUGE / finding F1, per-answer ratings, and a coordinator tab behind a password.

API names (for gradio_client and the tests): /ask, /ask_region, /stop, /regenerate, /clear,
/upload, /load_example, /set_clinician, /rate, and /admin_view, /admin_export_csv,
/admin_export_jsonl when MEDQA_ADMIN_PASSWORD is set.
"""

from __future__ import annotations

import gradio as gr

from medqa.app.admin import AdminHandlers, build_admin_tab
from medqa.app.context import demo_context
from medqa.app.examples import IMAGE_SUFFIXES
from medqa.app.gallery import example_label
from medqa.app.handlers import DemoHandlers
from medqa.app.i18n import Labels
from medqa.app.peers import distrust_forwarded_headers
from medqa.app.throttle import LoginGate

GENERATE = "generate"  # the concurrency group of every event that runs the model
CSS = ("#research-notice {border-left: 4px solid #d97706; padding-left: 8px} #model-status, #no-model {color: #b91c1c}"
       # A phone (under 700 px): one column, in the order a clinician works: the film, then the chat right under
       # it, then the region, examples and reference. The two panels dissolve (display: contents) so their parts
       # can be ordered as one list.
       " @media (max-width: 700px) {#chat-row {flex-direction: column; flex-wrap: nowrap}"
       " #image-panel, #chat-panel {display: contents} .phone-top {order: -3} #xray-image {order: -2}"
       " .phone-after {order: 10} #xray-image img {max-height: 300px}}")
SCORE_CHOICES = ["1", "2", "3", "4", "5"]
THUMBS = [("赞 / good", "up"), ("踩 / bad", "down")]  # words, not emoji: a server-side screenshot may lack emoji fonts


def launch_options(settings=None) -> dict:
    """Theme and CSS (Gradio 6 takes them in `launch()`, not in `gr.Blocks()`), and the upload size limit."""
    options = {"theme": gr.themes.Soft(), "css": CSS}
    if settings is not None:  # Gradio refuses a larger upload before it reaches the app (the app checks too)
        options["max_file_size"] = f"{settings.max_upload_mb}mb"
    return options


def build_demo(backend, store, settings) -> gr.Blocks:
    """The demo for one backend (a medqa.serve backend), FeedbackStore and AppSettings."""
    distrust_forwarded_headers()  # the coordinator's login throttle counts real peers (medqa.app.peers)
    context = demo_context(backend, settings)
    handlers = DemoHandlers(backend, store, settings, context)
    labels = Labels(settings.language)
    # delete_cache: Gradio's copies of images and exports are removed after an hour, checked every 30 min.
    with gr.Blocks(title="medqa", delete_cache=(1800, 3600)) as demo:
        ui: dict = {"state": gr.State(None)}
        _header(labels, ui, context.warnings, context.no_model)
        with gr.Tabs():
            with labels(gr.Tab, {"label": "chat"}, id="chat"), gr.Row(elem_id="chat-row"):
                with gr.Column(scale=2, elem_id="image-panel"):
                    _image_panel(labels, ui, context.example_names, context.example_thumbnails)
                with gr.Column(scale=3, elem_id="chat-panel"):
                    _chat_panel(labels, ui, settings)
                    _rating_panel(labels, ui, settings.max_comment_chars)
            if settings.admin_enabled:
                gate = LoginGate(settings.trusted_proxies)
                build_admin_tab(AdminHandlers(store, settings.admin_password, settings.language, gate=gate), labels,
                                ui["state"])
        _wire(handlers, ui, settings, labels)
        demo.load(handlers.new_rating_key, None, ui["rating_key"], api_visibility="private")
        demo.unload(handlers.forget)
    demo.queue(default_concurrency_limit=max(4, settings.concurrency), max_size=256)
    return demo


def _header(labels: Labels, ui: dict, warnings: list[str], no_model: bool) -> None:
    with gr.Row():
        labels(gr.Markdown, {"value": "title"})
        ui["language"] = labels(gr.Radio, {"label": "language"}, choices=[("中文", "zh"), ("English", "en")],
                                value=labels.language, scale=0, min_width=200)
    labels(gr.Markdown, {"value": "notice"}, elem_id="research-notice")
    if no_model:  # started with nothing configured: what to set, in the page's language
        labels(gr.Markdown, {"value": "no_model"}, elem_id="no-model")
    if warnings:  # the model failed to load (or --data is wrong): say so before anyone types
        gr.Markdown("\n\n".join(f"⚠️ {w}" for w in warnings), elem_id="model-status")


def _image_panel(labels: Labels, ui: dict, example_names: list[str], thumbnails: list) -> None:
    with gr.Row(elem_classes="phone-top"):
        ui["clinician"] = labels(gr.Textbox, {"label": "clinician_id", "placeholder": "clinician_placeholder"},
                                 scale=3)
        ui["clinician_set"] = labels(gr.Button, {"value": "set"}, scale=1)
    ui["clinician_status"] = gr.Markdown(elem_classes="phone-top")
    ui["upload"] = labels(gr.File, {"label": "upload"}, file_types=list(IMAGE_SUFFIXES), type="filepath", height=120,
                          elem_classes="phone-top")
    ui["image"] = labels(gr.Image, {"label": "image"}, type="pil", interactive=False, height=420, elem_id="xray-image")
    with gr.Row(elem_classes="phone-after"):
        ui["region"] = labels(gr.Textbox, {"label": "region"}, scale=3)
        ui["ask_region"] = labels(gr.Button, {"value": "ask_region"}, scale=1)
    # The examples as named thumbnails (a click loads one); the list below has every example, by short name.
    ui["gallery"] = labels(gr.Gallery, {"label": "examples"}, value=[(p, label) for p, label, _ in thumbnails],
                           columns=4, height=240, allow_preview=False, object_fit="contain", elem_id="examples",
                           visible=bool(thumbnails), interactive=False, elem_classes="phone-after")
    with gr.Row(elem_classes="phone-after"):
        keys = {"label": "examples"} | ({} if example_names else {"info": "no_examples"})
        ui["examples"] = labels(gr.Dropdown, keys, choices=[(example_label(n), n) for n in example_names], scale=3)
        ui["load_example"] = labels(gr.Button, {"value": "load_example"}, scale=1)
    with labels(gr.Accordion, {"label": "reference"}, open=True, elem_classes="phone-after"):
        ui["reference"] = gr.Markdown()


def _chat_panel(labels: Labels, ui: dict, settings) -> None:
    max_new_tokens = settings.default_max_new_tokens
    # One bubble per message: each answer has its own thumbs, never shared with a notice after it.
    ui["chatbot"] = labels(gr.Chatbot, {"label": "chat"}, height=480, elem_id="chat",
                           group_consecutive_messages=False)
    # max_length stops the browser; the handlers check again (the API takes any string). lines=1: Gradio sends
    # on Enter only in a one-line box (Shift+Enter adds a line); max_lines lets a long question grow.
    ui["question"] = labels(gr.Textbox, {"label": "question", "placeholder": "question_placeholder"}, lines=1,
                            max_lines=6, max_length=settings.max_question_chars)
    with gr.Row():
        ui["send"] = labels(gr.Button, {"value": "send"}, variant="primary")
        ui["stop"] = labels(gr.Button, {"value": "stop"}, variant="stop")
        ui["regenerate"] = labels(gr.Button, {"value": "regenerate"})
        ui["clear"] = labels(gr.Button, {"value": "clear"})
    with labels(gr.Accordion, {"label": "decoding"}, open=False):
        ui["decoding"] = [
            labels(gr.Radio, {"label": "strategy"}, choices=["greedy", "beam", "sample"], value="greedy"),
            labels(gr.Slider, {"label": "max_new_tokens"}, minimum=1, maximum=1024, value=max_new_tokens, step=1),
            labels(gr.Slider, {"label": "num_beams"}, minimum=1, maximum=8, value=4, step=1),
            labels(gr.Slider, {"label": "temperature"}, minimum=0.05, maximum=2.0, value=0.7, step=0.05),
            labels(gr.Slider, {"label": "top_p"}, minimum=0.05, maximum=1.0, value=0.9, step=0.05),
        ]


def _rating_panel(labels: Labels, ui: dict, max_comment_chars: int) -> None:
    with labels(gr.Accordion, {"label": "rating"}, open=True, elem_id="rating"):
        with gr.Row():
            # Numbered from 1, as the label says (Gradio's number box cannot be empty: it would show 0); after each
            # answer the newest, or the one whose thumb was clicked.
            ui["number"] = labels(gr.Number, {"label": "answer_index"}, value=1, precision=0, minimum=1)
            ui["thumbs"] = labels(gr.Radio, {"label": "thumbs"}, choices=THUMBS)
        with gr.Row():
            ui["scores"] = [labels(gr.Radio, {"label": key}, choices=SCORE_CHOICES)
                            for key in ("accuracy", "completeness", "safety")]
        ui["comment"] = labels(gr.Textbox, {"label": "comment"}, lines=2, max_length=max_comment_chars)
        # The form's rating id, held by the page: made when the form is shown (page load, after a save), sent with
        # every submission, so a resubmission whose reply was lost updates the stored rating.
        ui["rating_key"] = gr.Textbox(value="", visible=False, elem_id="rating-key")
        ui["rate"] = labels(gr.Button, {"value": "submit_rating"}, variant="primary")
        ui["rate_status"] = gr.Markdown()


def _wire(h: DemoHandlers, ui: dict, settings, labels: Labels) -> None:
    state, decoding = ui["state"], ui["decoding"]
    chat_outputs = [ui["chatbot"], state, ui["image"], ui["number"], ui["reference"], ui["question"]]
    model = {"concurrency_limit": settings.concurrency, "concurrency_id": GENERATE}
    ui["send"].click(h.ask, [ui["question"], *decoding, state], chat_outputs, api_name="ask", **model)
    ui["question"].submit(h.ask, [ui["question"], *decoding, state], chat_outputs, api_visibility="private",
                          **model)
    ui["ask_region"].click(h.ask_region, [ui["region"], ui["question"], *decoding, state], chat_outputs,
                           api_name="ask_region", **model)
    ui["regenerate"].click(h.regenerate, [*decoding, state], chat_outputs, api_name="regenerate", **model)
    # Stop must not queue behind the generation it stops.
    ui["stop"].click(h.stop, None, None, api_name="stop", queue=False)
    ui["clear"].click(h.clear, [state], chat_outputs, api_name="clear")
    ui["upload"].upload(h.upload, [ui["upload"], state], [*chat_outputs, ui["upload"]], api_name="upload")
    ui["load_example"].click(h.load_example, [ui["examples"], state], chat_outputs, api_name="load_example")
    ui["gallery"].select(h.pick_example, [state], chat_outputs, api_visibility="private")
    ui["image"].select(h.mark, [ui["region"], state], [ui["region"], ui["image"], state], api_visibility="private")
    ui["clinician_set"].click(h.set_clinician, [ui["clinician"], state], [ui["clinician_status"], state],
                              api_name="set_clinician")
    ui["clinician"].submit(h.set_clinician, [ui["clinician"], state], [ui["clinician_status"], state],
                           api_visibility="private")
    form = [ui["thumbs"], *ui["scores"], ui["comment"]]
    ui["rate"].click(h.rate, [ui["clinician"], ui["number"], *form, ui["rating_key"], state],
                     [ui["rate_status"], state], api_name="rate").then(
        h.reset_form, [ui["rate_status"]], [*form, ui["rating_key"]], api_visibility="private")
    ui["chatbot"].like(h.like, [state], [ui["chatbot"], ui["number"], ui["thumbs"], ui["rate_status"], state],
                       api_visibility="private")

    def switch_language(lang, st, request: gr.Request):
        return h.switch_language(lang, st, labels, request)

    ui["language"].change(switch_language, [ui["language"], state], [*labels.components, state],
                          api_name="language")
