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
from medqa.app.examples import IMAGE_SUFFIXES
from medqa.app.handlers import DemoHandlers
from medqa.app.i18n import t

GENERATE = "generate"  # the concurrency group of every event that runs the model
CSS = "#research-notice {border-left: 4px solid #d97706; padding-left: 8px} #model-status {color: #b91c1c}"
SCORE_CHOICES = ["1", "2", "3", "4", "5"]
THUMBS = [("赞 / good", "up"), ("踩 / bad", "down")]  # words, not emoji: a server-side screenshot may lack emoji fonts


def launch_options() -> dict:
    """Theme and CSS: Gradio 6 takes them in `launch()`, not in `gr.Blocks()`."""
    return {"theme": gr.themes.Soft(), "css": CSS}


def build_demo(backend, store, settings) -> gr.Blocks:
    """The demo for one backend (a medqa.generation backend), FeedbackStore and AppSettings."""
    handlers = DemoHandlers(backend, store, settings)
    lang = settings.language
    # delete_cache: Gradio's copies of images and exports are removed after an hour, checked every 30 min.
    with gr.Blocks(title="medqa", delete_cache=(1800, 3600)) as demo:
        ui: dict = {"state": gr.State(None)}
        _header(handlers, ui, lang)
        with gr.Tabs():
            with gr.Tab(t("chat", lang), id="chat") as tab:
                handlers.register(tab, "chat")
                with gr.Row():
                    with gr.Column(scale=2):
                        _image_panel(handlers, ui, lang)
                    with gr.Column(scale=3):
                        _chat_panel(handlers, ui, lang)
                        _rating_panel(handlers, ui, lang)
            if settings.admin_enabled:
                build_admin_tab(AdminHandlers(store, settings.admin_password, lang), lang, handlers.register)
        _wire(handlers, ui, settings)
        demo.unload(handlers.forget)
    demo.queue(default_concurrency_limit=max(4, settings.concurrency), max_size=256)
    return demo


def _header(h: DemoHandlers, ui: dict, lang: str) -> None:
    with gr.Row():
        h.register(gr.Markdown(t("title", lang)), "title", "value")
        ui["language"] = h.register(gr.Radio([("中文", "zh"), ("English", "en")], value=lang,
                                             label=t("language", lang), scale=0, min_width=200), "language")
    h.register(gr.Markdown(t("notice", lang), elem_id="research-notice"), "notice", "value")
    if h.warnings:  # the model failed to load (or --data is wrong): say so before anyone types
        gr.Markdown("\n\n".join(t("startup_warning", lang, detail=w) for w in h.warnings), elem_id="model-status")


def _image_panel(h: DemoHandlers, ui: dict, lang: str) -> None:
    with gr.Row():
        ui["clinician"] = h.register(gr.Textbox(label=t("clinician_id", lang), scale=3,
                                                placeholder=t("clinician_placeholder", lang)),
                                     {"label": "clinician_id", "placeholder": "clinician_placeholder"})
        ui["clinician_set"] = h.register(gr.Button(t("set", lang), scale=1), "set", "value")
    ui["clinician_status"] = gr.Markdown()
    ui["upload"] = h.register(gr.File(label=t("upload", lang), file_types=list(IMAGE_SUFFIXES), type="filepath",
                                      height=120), "upload")
    ui["image"] = h.register(gr.Image(label=t("image", lang), type="pil", interactive=False, height=420,
                                      elem_id="xray-image"), "image")
    with gr.Row():
        ui["region"] = h.register(gr.Textbox(label=t("region", lang), scale=3), "region")
        ui["ask_region"] = h.register(gr.Button(t("ask_region", lang), scale=1), "ask_region", "value")
    with gr.Row():
        ui["examples"] = h.register(gr.Dropdown(h.example_names, label=t("examples", lang), scale=3,
                                                info=None if h.example_names else t("no_examples", lang)),
                                    "examples")
        ui["load_example"] = h.register(gr.Button(t("load_example", lang), scale=1), "load_example", "value")
    with gr.Accordion(t("reference", lang), open=True) as accordion:
        h.register(accordion, "reference")
        ui["reference"] = gr.Markdown()


def _chat_panel(h: DemoHandlers, ui: dict, lang: str) -> None:
    settings = h.settings
    ui["chatbot"] = h.register(gr.Chatbot(label=t("chat", lang), height=480, elem_id="chat"), "chat")
    ui["question"] = h.register(gr.Textbox(label=t("question", lang), lines=2,
                                           placeholder=t("question_placeholder", lang)),
                                {"label": "question", "placeholder": "question_placeholder"})
    with gr.Row():
        ui["send"] = h.register(gr.Button(t("send", lang), variant="primary"), "send", "value")
        ui["stop"] = h.register(gr.Button(t("stop", lang), variant="stop"), "stop", "value")
        ui["regenerate"] = h.register(gr.Button(t("regenerate", lang)), "regenerate", "value")
        ui["clear"] = h.register(gr.Button(t("clear", lang)), "clear", "value")
    with gr.Accordion(t("decoding", lang), open=False) as accordion:
        h.register(accordion, "decoding")
        ui["decoding"] = [
            h.register(gr.Radio(["greedy", "beam", "sample"], value="greedy", label=t("strategy", lang)), "strategy"),
            h.register(gr.Slider(1, 1024, value=settings.default_max_new_tokens, step=1,
                                 label=t("max_new_tokens", lang)), "max_new_tokens"),
            h.register(gr.Slider(1, 8, value=4, step=1, label=t("num_beams", lang)), "num_beams"),
            h.register(gr.Slider(0.05, 2.0, value=0.7, step=0.05, label=t("temperature", lang)), "temperature"),
            h.register(gr.Slider(0.05, 1.0, value=0.9, step=0.05, label=t("top_p", lang)), "top_p"),
        ]


def _rating_panel(h: DemoHandlers, ui: dict, lang: str) -> None:
    with gr.Accordion(t("rating", lang), open=True, elem_id="rating") as accordion:
        h.register(accordion, "rating")
        with gr.Row():
            ui["number"] = h.register(gr.Number(value=0, precision=0, minimum=0, label=t("answer_index", lang)),
                                      "answer_index")
            ui["thumbs"] = h.register(gr.Radio(THUMBS, label=t("thumbs", lang)), "thumbs")
        with gr.Row():
            ui["scores"] = [h.register(gr.Radio(SCORE_CHOICES, label=t(key, lang)), key)
                            for key in ("accuracy", "completeness", "safety")]
        ui["comment"] = h.register(gr.Textbox(label=t("comment", lang), lines=2), "comment")
        ui["rate"] = h.register(gr.Button(t("submit_rating", lang), variant="primary"), "submit_rating", "value")
        ui["rate_status"] = gr.Markdown()


def _wire(h: DemoHandlers, ui: dict, settings) -> None:
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
    ui["upload"].upload(h.upload, [ui["upload"], state], chat_outputs, api_name="upload")
    ui["load_example"].click(h.load_example, [ui["examples"], state], chat_outputs, api_name="load_example")
    ui["image"].select(h.mark, [ui["region"], state], [ui["region"], ui["image"], state], api_visibility="private")
    ui["clinician_set"].click(h.set_clinician, [ui["clinician"], state], [ui["clinician_status"], state],
                              api_name="set_clinician")
    ui["clinician"].submit(h.set_clinician, [ui["clinician"], state], [ui["clinician_status"], state],
                           api_visibility="private")
    ui["rate"].click(h.rate, [ui["clinician"], ui["number"], ui["thumbs"], *ui["scores"], ui["comment"], state],
                     [ui["rate_status"], state], api_name="rate")
    ui["chatbot"].like(h.like, [state], [ui["number"], ui["thumbs"]], api_visibility="private")
    ui["language"].change(h.switch_language, [ui["language"], state],
                          [*(component for component, _ in h.labels), state], api_name="language")
