"""The coordinator tab's summary table and plot: labelled in the page's language, Chinese glyphs really drawn."""

import warnings

import gradio as gr
import pytest
from PIL import Image

from medqa.app.admin import SUMMARY_COLUMNS, plot_summary, summary_headers
from medqa.app.i18n import Labels, t

SUMMARY = [
    {"label": "m1", "n": 3, "mean_accuracy": 4.0, "mean_completeness": 3.0, "mean_safety": None},
    {"label": "m1 + lora", "n": 2, "mean_accuracy": 2.5, "mean_completeness": None, "mean_safety": 1.0},
    {"label": "m2", "n": 1, "mean_accuracy": None, "mean_completeness": None, "mean_safety": None},
]


def test_summary_headers_follow_the_language():
    assert summary_headers("zh") == ["模型", "评价数", "赞的比例", "平均准确性", "平均完整性", "平均安全性"]
    assert summary_headers("en")[0] == "Model" and summary_headers("en")[3] == "Mean accuracy"


def test_the_language_switch_relabels_the_tables_headers():
    labels = Labels("zh")
    with gr.Blocks():
        table = labels(gr.Dataframe, {"headers": SUMMARY_COLUMNS}, interactive=False)
    assert table.headers == summary_headers("zh")
    (update,) = labels.updates("en")
    assert update["headers"] == summary_headers("en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_plot_is_drawn_with_every_glyph_of_its_language(tmp_path, lang):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = plot_summary(SUMMARY, tmp_path / "plot.png", lang)
        empty = plot_summary([], tmp_path / "empty.png", lang)
    # matplotlib warns "Glyph ... missing from font(s)" for each character it had to draw as a box.
    assert not [w for w in caught if "missing from font" in str(w.message)], t("plot_title", lang)
    with Image.open(out) as image:  # 3 systems: max(6, 1.8 * 3 + 2) = 7.4 in by 4.5 in, at 100 dpi
        assert (image.format, image.size) == ("PNG", (740, 450))
    with Image.open(empty) as image:
        assert image.size == (600, 450)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.png", "plot.png"]  # no partial file left


def test_exports_and_refusals_speak_the_pages_language(tmp_path):
    from types import SimpleNamespace

    from medqa.app.admin import AdminHandlers
    from medqa.app.downloads import read_payload
    from medqa.feedback.store import FeedbackStore

    admin = AdminHandlers(FeedbackStore(tmp_path / "r.db"), "s3cret", "zh")  # the app started in Chinese
    english = SimpleNamespace(language="en")  # the page switched to English
    me = SimpleNamespace(client=SimpleNamespace(host="10.0.0.9"))
    assert admin.export_csv("wrong", "", "", "", "", english, me) == (t("wrong_password", "en"), "")
    message, payload = admin.export_csv("s3cret", "", "", "", "", english, me)
    assert message == t("exported", "en", n=0) and read_payload(payload)[0].endswith(".csv")


def test_examples_are_a_gallery_of_named_thumbnails_and_a_click_loads_one(tmp_path):
    from types import SimpleNamespace

    from PIL import Image

    from medqa.app.context import demo_context
    from medqa.app.gallery import example_label
    from medqa.app.handlers import DemoHandlers
    from medqa.app.settings import AppSettings
    from medqa.feedback.store import FeedbackStore
    from medqa.serve.unavailable import UnavailableBackend

    folder = tmp_path / "examples" / "iu_xray" / "kaggle_png"
    folder.mkdir(parents=True)
    Image.new("L", (1200, 900), 120).save(folder / "1001_IM-0004-1001.dcm.png")
    Image.new("L", (600, 800), 60).save(folder / "1002_IM-0005-2001.png")
    (folder / "broken.png").write_bytes(b"not an image")
    settings, backend = AppSettings(model="x", examples_dir=str(tmp_path / "examples")), UnavailableBackend("x")
    context = demo_context(backend, settings)
    labels = [label for _, label, _ in context.example_thumbnails]
    assert labels == ["1001_IM-0004-1001", "1002_IM-0005-2001"]  # short names; an unreadable file gets none
    assert max(Image.open(context.example_thumbnails[0][0]).size) == 192
    assert example_label("iu_xray/kaggle_png/1001_IM-0004-1001.dcm.png") == "1001_IM-0004-1001"
    handlers = DemoHandlers(backend, FeedbackStore(tmp_path / "r.db"), settings, context)
    chat, session, image, *_ = handlers.pick_example(None, SimpleNamespace(index=1), None)
    assert session.image_name == "1002_IM-0005-2001.png" and image is session.image
