"""The demo under hostile or careless use: bounded uploads, honest image state, limits, deletions, passwords, start-up.

One app with tight limits (1 MB uploads, 1-megapixel images) over the real tiny model, driven
through gradio_client like test_app.py; the start-up test builds the app the way a Space does.
"""

import importlib.util
import io
import json
import logging
import uuid
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import httpx
import numpy as np
import pytest
from gradio.utils import get_upload_folder
from gradio_client import Client, handle_file
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from medqa.app.admin import AdminHandlers
from medqa.app.downloads import read_payload
from medqa.app.i18n import t
from medqa.app.settings import AppSettings
from medqa.app.throttle import LoginThrottle
from medqa.app.ui import build_demo
from medqa.app.uploads import UploadLedger
from medqa.core.modeling import load_model
from medqa.feedback.store import FeedbackStore
from medqa.serve.local import LocalBackend
from tests.app.test_app import RecordingBackend, ask, film, launch, texts
from tests.helpers.paths import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("hardened")
    backend = RecordingBackend(LocalBackend(load_model(str(tiny_model))))
    store = FeedbackStore(root / "ratings.db")
    settings = AppSettings(model=str(tiny_model), admin_password="s3cret", max_upload_mb=1, max_image_megapixels=1,
                           max_comment_chars=200, context_tokens=1024, default_max_new_tokens=8)
    demo = build_demo(backend, store, settings)
    url = launch(demo)
    yield SimpleNamespace(url=url, backend=backend, store=store, demo=demo)
    demo.close()


def upload(client, path):
    """(chat texts, shown image, file box) after uploading `path`; None where the component was emptied."""
    chat, image, _, _, _, box = client.predict(handle_file(path), api_name="/upload")
    image = image.get("value") if isinstance(image, dict) else image  # an emptied image comes as an update
    return texts(chat), image, box


def deflated_frames(path: Path, frames: int, side: int) -> Path:
    """A deflated multi-frame 16-bit DICOM of zeros: megabytes of pixels in a few kilobytes."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
    meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta, ds.SOPClassUID, ds.SOPInstanceUID = meta, meta.MediaStorageSOPClassUID, generate_uid()
    ds.Rows = ds.Columns = side
    ds.NumberOfFrames = frames
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored = 1, "MONOCHROME2", 16, 16
    ds.HighBit, ds.PixelRepresentation, ds.PixelData = 15, 0, bytes(side * side * 2 * frames)
    ds.save_as(path, enforce_file_format=True)
    return path


def test_oversized_uploads_are_refused_before_decoding(app, tmp_path):
    client = Client(app.url, verbose=False)
    bomb = deflated_frames(tmp_path / "bomb.dcm", frames=20, side=1000)  # 40 MB of pixels
    assert bomb.stat().st_size < 200_000
    Image.new("1", (1500, 1000)).save(tmp_path / "wide.png")  # 1.5 MP
    (tmp_path / "heavy.png").write_bytes(b"\x89PNG" + bytes(1_200_000))
    for path, expected in [(bomb, "bomb.dcm: 20 帧 1000×1000 未压缩共 38 MB，超出上限"),
                           (tmp_path / "wide.png", "wide.png: 1500×1000 共 2 百万像素，超过 1 百万像素的上限"),
                           (tmp_path / "heavy.png", "heavy.png: 文件太大（1.1 MB，上限 1 MB）")]:
        chat, image, box = upload(client, path)
        assert chat[-1][1].startswith("⚠️ 图像太大，无法使用：") and expected in chat[-1][1], chat
        assert image is None and box is None

    Image.fromarray(np.full((900, 900), 128, np.uint8)).save(tmp_path / "big.png")
    chat, image, _ = upload(client, tmp_path / "big.png")
    budget = app.backend.loaded.budget.max_pixels
    kept = Image.open(image).size
    assert kept[0] * kept[1] <= budget < 900 * 900
    assert chat[-1][1] == t("image_reduced", width=900, height=900, kept_width=kept[0], kept_height=kept[1])
    ask(client, "缩小后：这张胸片正常吗？")
    sent = app.backend.asked("缩小后")[-1]["conversation"][0]["content"][0]["image"]
    assert sent.size == kept  # the model gets the session's budget-sized copy, the original is gone


def test_a_refused_upload_clears_the_old_image_and_nothing_is_answered_without_one(app, tmp_path):
    client = Client(app.url, verbose=False)
    calls = len(app.backend.calls)
    assert texts(ask(client, "无图：这张胸片正常吗？")[0])[-1] == ("assistant", t("need_image"))
    upload(client, film(tmp_path / "old.png", 90))
    ask(client, "旧片：心影大小正常吗？")
    assert len(app.backend.calls) == calls + 1
    (tmp_path / "new.png").write_bytes(b"not an image at all")
    chat, image, box = upload(client, tmp_path / "new.png")
    unreadable = t("image_error", detail="new.png: 不是可读取的图像（应为 PNG、JPEG 或 DICOM）")
    assert [text for _, text in chat] == [unreadable, t("image_cleared")]
    assert image is None and box is None
    assert texts(ask(client, "现在这张呢？")[0])[-1] == ("assistant", t("need_image"))
    assert len(app.backend.calls) == calls + 1  # the old film was not asked about again


def test_long_comments_are_refused_and_inputs_are_capped_in_the_browser(app, tmp_path):
    client = Client(app.url, verbose=False)
    upload(client, film(tmp_path / "c.png", 60))
    ask(client, "意见：肺纹理清晰吗？")
    before = app.store.count()
    status = client.predict("rad-c", 1, "up", None, None, None, "评" * 201, api_name="/rate")
    assert status == t("comment_too_long", chars=201, limit=200) and app.store.count() == before
    limits = {c["props"].get("label"): c["props"].get("max_length") for c in app.demo.config["components"]
              if c.get("type") == "textbox"}
    assert limits[t("question")] == 2000 and limits[t("comment")] == 200


def call_raw(url: str, api_name: str, data: list) -> str:
    """One event over Gradio's HTTP API with `data` as sent (a FileData path is not uploaded first); the stream."""
    started = httpx.post(f"{url}gradio_api/call/{api_name}", json={"data": data}, timeout=120)
    return httpx.get(f"{url}gradio_api/call/{api_name}/{started.json()['event_id']}", timeout=120).text


def test_an_upload_event_never_deletes_a_file_the_app_wrote(app, tmp_path):
    folder = Path(get_upload_folder()) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    server_copy = film(folder / "shown.png", 70)  # in Gradio's cache, but not written by its upload route
    stream = call_raw(app.url, "upload", [{"path": str(server_copy), "meta": {"_type": "gradio.FileData"},
                                           "orig_name": "mine.png"}, None])
    assert "event: complete" in stream and server_copy.is_file()  # read as an image, but not deleted


def test_coordinator_downloads_reach_only_the_page_that_asked(app):
    coordinator = Client(app.url, verbose=False, download_files=False)
    before = {p for p in Path(get_upload_folder()).rglob("*") if p.is_file()}
    _, _, plot = coordinator.predict("s3cret", "", "", "", "", api_name="/admin_view")
    message, csv_payload = coordinator.predict("s3cret", "", "", "", "", api_name="/admin_export_csv")
    # No file URL that anyone who saw it could fetch: the plot is inline, the export's bytes are in the reply.
    assert plot.startswith("<img") and "data:image/png;base64," in plot and "/file=" not in plot
    name, data = read_payload(csv_payload)
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf") and message == t("exported", n=0)
    made = {p for p in Path(get_upload_folder()).rglob("*") if p.is_file()} - before
    assert not [p for p in made if p.suffix in (".csv", ".png", ".jsonl")]


def test_an_upload_is_deleted_only_once_no_session_reads_it_and_only_if_it_is_an_upload(tmp_path):
    folder = tmp_path / "gradio" / "abc123"
    folder.mkdir(parents=True)
    shared, other = folder / "film.png", folder / "plot.png"
    shared.write_bytes(b"upload")
    other.write_bytes(b"written by the app")
    later = []  # the deletions waiting for their grace period, run by hand
    ledger = UploadLedger(lambda: {str(shared)}, grace_s=30, schedule=lambda s, action: later.append(action) or (
        lambda: later.remove(action)))
    ledger.claim(shared, "first")
    ledger.claim(shared, "second")  # the same bytes from another session: the same path
    assert not ledger.discard(shared, "first") and shared.is_file() and not later  # the second still reads it
    assert ledger.discard(shared, "second") and shared.is_file() and len(later) == 1
    ledger.claim(shared, "third")  # a third upload of the same bytes within the grace: the deletion waits
    assert later == []
    assert ledger.discard(shared, "third")
    later.pop()()
    assert not shared.exists()
    ledger.claim(other, "attacker")  # not written by the upload route: never deleted by an event
    assert not ledger.discard(other, "attacker") and other.is_file() and not later


def test_two_sessions_sending_the_same_bytes_at_once_both_get_their_image(app, tmp_path):
    image = film(tmp_path / "same.png", 80)
    paths = []
    for _ in range(2):  # both uploads land before either session's event reads the file
        with image.open("rb") as f:
            reply = httpx.post(f"{app.url}gradio_api/upload", files={"files": ("same.png", f, "image/png")},
                               timeout=60)
        paths.append(reply.json()[0])
    assert paths[0] == paths[1]  # Gradio names an upload by its bytes: one file for both sessions
    for path in paths:
        stream = call_raw(app.url, "upload", [{"path": path, "meta": {"_type": "gradio.FileData"},
                                               "orig_name": "same.png"}, None])
        chat, image = json.loads(stream.split("event: complete\ndata:", 1)[1])[:3:2]
        assert image is not None and t("image_error", detail="")[:8] not in json.dumps(chat, ensure_ascii=False)


def test_wrong_admin_passwords_make_the_client_wait_longer_and_are_logged(app, caplog):
    client = Client(app.url, verbose=False)
    caplog.set_level(logging.WARNING, logger="medqa.app")
    said = [client.predict(f"guess-{n}", "", "", "", "", api_name="/admin_view")[0] for n in range(4)]
    assert said[:3] == [t("wrong_password")] * 3 and said[3].startswith("⚠️ 密码错误次数过多")
    assert client.predict("s3cret", "", "", "", "", api_name="/admin_view")[0].startswith("⚠️ 密码错误次数过多")
    assert "wrong coordinator password from 127.0.0.1 (3 in a row" in caplog.text and "guess-" not in caplog.text


def test_the_wait_grows_per_client_and_a_right_password_clears_it():
    now = [1000.0]
    throttle = LoginThrottle(free=3, base_s=1.0, max_s=60.0, clock=lambda: now[0])
    admin = AdminHandlers(None, "s3cret", "en", throttle=throttle)
    me, them = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1")), SimpleNamespace(client=SimpleNamespace(
        host="10.0.0.2"))
    assert [admin.refusal("x", me) for _ in range(3)] == [t("wrong_password", "en")] * 3
    assert admin.refusal("s3cret", me) == t("admin_wait", "en", seconds=1)  # refused unseen, even when right
    now[0] += 1.0
    assert admin.refusal("x", me) == t("wrong_password", "en") and throttle.wait("10.0.0.1") == 2.0
    assert admin.refusal("s3cret", them) is None  # another client is not held up
    assert [throttle.delay(n) for n in (3, 4, 5, 9, 30)] == [1.0, 2.0, 4.0, 60.0, 60.0]
    now[0] += 2.0
    assert admin.refusal("s3cret", me) is None and throttle.wait("10.0.0.1") == 0.0


def test_starting_with_no_options_and_no_gpu_is_immediate_and_says_what_to_set(tmp_path, monkeypatch):
    import huggingface_hub
    import torch

    for name in [n for n in __import__("os").environ if n.startswith("MEDQA_")] + ["HF_HUB_OFFLINE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # any hub call would fail at once, never hang
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(huggingface_hub, "try_to_load_from_cache", lambda *a, **k: None)
    monkeypatch.chdir(tmp_path)  # the default ratings database lands here
    spec = importlib.util.spec_from_file_location("demo_app", REPO / "demo" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    demo, _ = module.create_app([])
    banner = next(c["props"]["value"] for c in demo.config["components"] if c["props"].get("elem_id") == "no-model")
    assert banner == t("no_model") and "MEDQA_MODEL" in banner and "HF_HUB_OFFLINE" not in banner
    url = launch(demo)
    try:
        client = Client(url, verbose=False)
        image = io.BytesIO()
        Image.new("L", (64, 64), 100).save(image, format="PNG")
        (tmp_path / "f.png").write_bytes(image.getvalue())
        client.predict(handle_file(tmp_path / "f.png"), api_name="/upload")
        assert texts(ask(client, "这张胸片正常吗？")[0])[-1] == ("assistant", t("no_model"))
        updates = client.predict("en", api_name="/language")
        assert t("no_model", "en") in [u.get("value") if isinstance(u, dict) else u for u in updates]
    finally:
        demo.close()


def test_a_thumb_that_cannot_be_saved_says_so_under_its_message_and_shows_empty(tmp_path):
    from medqa.app.context import demo_context
    from medqa.app.handlers import DemoHandlers
    from medqa.app.session import ChatSession, add_answer, set_image, user_turn
    from medqa.serve.unavailable import UnavailableBackend

    store, settings, backend = FeedbackStore(tmp_path / "r.db"), AppSettings(model="x"), UnavailableBackend("x")
    handlers = DemoHandlers(backend, store, settings, demo_context(backend, settings))
    session = ChatSession("s-1")  # no clinician id yet
    set_image(session, Image.new("RGB", (64, 64), (90, 90, 90)), "f.png")
    session.notice("已载入图像")
    session.turns.append(user_turn(session, "这张胸片正常吗？"))
    add_answer(session, "未见异常。", {}, 0.1, False)
    session.display[-1].answer = 0
    answer_at = len(session.display) - 1
    chat, number, _, status, _ = handlers.like(session, SimpleNamespace(index=[answer_at, 0], liked=True), None)
    assert status == t("need_clinician") and store.count() == 0
    assert chat["value"][-1]["content"] == t("need_clinician")  # asked right below, in the chat
    assert chat["feedback_value"] == [None] * len([m for m in chat["value"] if m["role"] == "assistant"])
    chat, number, *_ = handlers.like(session, SimpleNamespace(index=[0, 0], liked=True), None)  # on the notice
    assert chat["value"][-1]["content"] == t("thumb_not_answer") and number == gr.skip() and store.count() == 0


def test_the_form_id_and_the_thumbs_make_resubmissions_update(tmp_path, tiny_model):
    from medqa.app.context import demo_context
    from medqa.app.handlers import DemoHandlers
    from medqa.app.session import ChatSession, add_answer, set_image, user_turn
    from medqa.serve.unavailable import UnavailableBackend

    store, settings, backend = FeedbackStore(tmp_path / "r.db"), AppSettings(model="x"), UnavailableBackend("x")
    handlers = DemoHandlers(backend, store, settings, demo_context(backend, settings))
    session = ChatSession("s-1", clinician_id="rad-01")
    set_image(session, Image.new("RGB", (64, 64), (90, 90, 90)), "f.png")
    session.turns.append(user_turn(session, "这张胸片正常吗？"))
    add_answer(session, "未见异常。", {}, 0.1, False)
    like = SimpleNamespace(index=[len(session.display) - 1, 0], liked=True)
    session.display[-1].answer = 0
    chat, number, thumbs, status, _ = handlers.like(session, like, None)
    assert (number, thumbs, status) == (1, "up", t("rating_saved", id=1)) and chat["feedback_value"][-1] == "Like"
    handlers.like(session, SimpleNamespace(index=like.index, liked=False), None)  # changed to thumbs down
    key = handlers.new_rating_key()
    args = ("rad-01", 1, None, "4", None, None, "清楚", key, session, None)
    saved, again = handlers.rate(*args)[0], handlers.rate(*args)[0]
    rows = store.ratings()
    assert [(r["thumbs"], r["accuracy"]) for r in rows] == [("down", None), (None, 4)]  # thumbs once, form once
    assert saved == t("rating_saved", id=rows[1]["id"]) and again == t("rating_updated", id=rows[1]["id"])
    reset = handlers.reset_form(again)
    assert reset[:5] == (None, None, None, None, "") and reset[5] not in (key, "")  # the next form, a new id
    assert handlers.reset_form(t("need_clinician")) == (gr.skip(),) * 6  # refused: the form and its id stay


def test_the_language_switch_says_the_chats_notices_again(app, tmp_path):
    def chat_after_switch(client) -> list[str]:
        updates = client.predict("en", api_name="/language")
        (chat,) = [u["value"] for u in updates if isinstance(u, dict) and isinstance(u.get("value"), list)]
        said = [m["content"] if isinstance(m["content"], str) else m["content"][0]["text"] for m in chat]
        assert not [text for text in said if any("\u4e00" <= ch <= "\u9fff" for ch in text)]  # no Chinese left
        return said

    first = Client(app.url, verbose=False)
    upload(first, film(tmp_path / "switch.png", 75))
    assert t("image_loaded", "en", name="switch.png", width=64, height=64) in chat_after_switch(first)
    second = Client(app.url, verbose=False)
    (tmp_path / "bad.png").write_bytes(b"no image")
    upload(second, tmp_path / "bad.png")
    said = chat_after_switch(second)
    assert t("image_error", "en", detail="bad.png: not a readable image (PNG, JPEG or DICOM expected)") in said
