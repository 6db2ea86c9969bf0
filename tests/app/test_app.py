"""The real demo, launched on 127.0.0.1 with the tiny model, driven through gradio_client.

Most tests share one in-process app; the SIGKILL test runs demo/app.py as its own process.

The backend is the real `LocalBackend` over the tiny checkpoint, wrapped only to record what the
model was asked (to prove turns, images and sessions are kept apart) and to inject failures a
test cannot cause on a CPU: '[[oom]]' in a question raises torch.OutOfMemoryError mid-answer,
and '[[box]]' answers with grounding markup so drawing can be checked.
"""

import base64
import csv
import importlib.util
import io
import json
import logging
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from gradio.utils import get_upload_folder
from gradio_client import Client, handle_file
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from medqa.app import uploads
from medqa.app.admin import summary_headers
from medqa.app.downloads import read_payload
from medqa.app.i18n import t
from medqa.app.session import shown_answer
from medqa.app.settings import AppSettings
from medqa.app.ui import build_demo, launch_options
from medqa.core.conversation import message_text
from medqa.core.modeling import load_model
from medqa.feedback.postgres import PostgresFeedbackStore
from medqa.feedback.store import FeedbackStore
from medqa.serve.local import LocalBackend
from tests.helpers.grounding import model_input_size
from tests.helpers.net import free_port
from tests.helpers.paths import REPO
from tests.helpers.postgres import fresh_database
from tests.helpers.synthetic import write_blob_dataset

pytestmark = pytest.mark.slow
BOX_ANSWER = "<ref>病灶</ref><box>(0,0),(28,28)</box>"


class RecordingBackend:
    """The real backend, recording each conversation it answers; see the module doc for the two markers."""

    def __init__(self, inner) -> None:
        self.inner, self.calls, self.lock = inner, [], threading.Lock()

    def __getattr__(self, name):  # fmt, loaded, generate, ...: the real backend's
        return getattr(self.inner, name)

    def stream(self, conversation, settings, stop=None):
        call = {"conversation": conversation, "answer": None, "settings": settings}
        with self.lock:
            self.calls.append(call)
        question = message_text(conversation[-1])
        if "[[oom]]" in question:
            yield "部分"
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        pieces = [BOX_ANSWER] if "[[box]]" in question else self.inner.stream(conversation, settings, stop)
        for text in pieces:
            call["answer"] = text
            yield text

    def asked(self, marker: str) -> list[dict]:
        with self.lock:
            return [c for c in self.calls if marker in message_text(c["conversation"][-1])]


def launch(demo) -> str:
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                            **launch_options())
    return url


@pytest.fixture(scope="module")
def app(tiny_model, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(uploads, "GRACE_S", 0.0)  # a read upload is deleted at once (the check below looks for it)
    root = tmp_path_factory.mktemp("app")
    dataset = write_blob_dataset(root / "dataset", n_per_fold=2, folds=2)
    backend = RecordingBackend(LocalBackend(load_model(str(tiny_model))))
    store = FeedbackStore(root / "ratings.db")
    settings = AppSettings(model=str(tiny_model), admin_password="s3cret", examples_dir=str(dataset / "images"),
                           data=str(dataset), context_tokens=1024, default_max_new_tokens=8, concurrency=4)
    demo = build_demo(backend, store, settings)
    patch.undo()  # read when the demo was built
    url = launch(demo)
    yield SimpleNamespace(url=url, backend=backend, store=store, root=root)
    demo.close()


def texts(chat) -> list[tuple[str, str]]:
    """(role, text) of each chat message as gradio_client returns them."""
    out = []
    for message in chat:
        content = message["content"]
        parts = content if isinstance(content, list) else [content]
        out.append((message["role"], "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in parts)))
    return out


def ask(client, question, max_new=8):
    return client.predict(question, "greedy", max_new, 1, 0.7, 0.9, api_name="/ask")


def film(path: Path, level: int, size=(64, 64)) -> Path:
    rng = np.random.default_rng(level)
    pixels = np.clip(level + rng.integers(-3, 4, size[::-1]), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).convert("RGB").save(path)
    return path


def dicom(path: Path, with_pixels: bool) -> Path:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta, ds.PatientName, ds.PatientID = meta, "Secret^Patient", "ID-424242"
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    if with_pixels:
        ds.Rows = ds.Columns = 48
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored = 1, "MONOCHROME2", 16, 12
        ds.HighBit, ds.PixelRepresentation = 11, 0
        ds.PixelData = np.tile(np.arange(48, dtype=np.uint16) * 80, (48, 1)).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def test_multi_turn_chat_with_an_image(app, tmp_path):
    client = Client(app.url, verbose=False)
    chat, *_ = client.predict(handle_file(film(tmp_path / "film.png", 90)), api_name="/upload")
    assert texts(chat)[-1] == ("assistant", t("image_loaded", name="film.png", width=64, height=64))
    chat, _, number, *_ = ask(client, "第一问：这张胸片正常吗？")
    assert number == 1
    chat, _, number, *_ = ask(client, "第二问：心影大小正常吗？")
    assert number == 2 and [r for r, _ in texts(chat)] == ["assistant", "user", "assistant", "user", "assistant"]
    first, second = app.backend.asked("第一问")[-1], app.backend.asked("第二问")[-1]
    conv = second["conversation"]
    assert [m["role"] for m in conv] == ["user", "assistant", "user"]
    image = conv[0]["content"][0]["image"]  # the upload and the first question: one user turn, image first
    assert conv[0]["content"][1] == {"type": "text", "text": "第一问：这张胸片正常吗？"}
    assert np.array_equal(np.asarray(image), np.asarray(Image.open(tmp_path / "film.png").convert("RGB")))
    assert [p["type"] for p in conv[2]["content"]] == ["text"]  # the image is sent once
    assert message_text(conv[1]) == first["answer"] and texts(chat)[2][1] == shown_answer(first["answer"])
    assert texts(chat)[4][1] == shown_answer(second["answer"])

    chat, _, number, *_ = client.predict("greedy", 8, 1, 0.7, 0.9, api_name="/regenerate")
    again = app.backend.asked("第二问")[-1]
    assert again is not second and again["conversation"] == conv and number == 2
    assert len(chat) == 5 and again["answer"] == second["answer"]  # greedy: the same answer again
    assert texts(chat)[4][1] == shown_answer(again["answer"])


def test_region_question_and_boxes_drawn_on_the_image(app, tmp_path):
    client = Client(app.url, verbose=False)
    client.predict(handle_file(film(tmp_path / "region.png", 120)), api_name="/upload")
    client.predict("10, 10, 40, 40", "这里有病灶吗？", "greedy", 8, 1, 0.7, 0.9, api_name="/ask_region")
    sent = message_text(app.backend.asked("这里有病灶吗？")[-1]["conversation"][-1])
    # Qwen2.5-VL boxes are pixels of the model's resized input, as the real processor resizes it.
    processor = app.backend.loaded.processor
    grid = processor.image_processor(images=[Image.open(tmp_path / "region.png")])["image_grid_thw"]
    w, h = model_input_size(grid)
    assert sent == f'{{"bbox_2d": [{round(10 * w / 64)}, {round(10 * h / 64)}, {round(40 * w / 64)}, ' \
                   f'{round(40 * h / 64)}]}} 这里有病灶吗？'
    chat, image_path, *_ = ask(client, "[[box]] 病灶在哪里？")
    assert texts(chat)[-1] == ("assistant", "病灶")  # markup stripped from the chat, drawn on the image
    pixels = np.asarray(Image.open(image_path).convert("RGB")).astype(int)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 100)
    assert red[:, :4].any() and not red[40:, 40:].any()  # the box's left edge, nothing far outside it
    chat, *_ = client.predict(api_name="/clear")
    assert chat == []


def test_rating_is_stored_and_exported_by_the_coordinator(app, tmp_path):
    client = Client(app.url, verbose=False)
    upload = dicom(tmp_path / f"study-{uuid.uuid4().hex}.dcm", with_pixels=True)
    client.predict(handle_file(upload), api_name="/upload")
    ask(client, "肺野清晰吗？")
    status = client.predict("rad-07", 1, "up", "4", "3", "5", "回答基本正确", api_name="/rate")
    row_id = int(re.search(r"(\d+)", status).group(1))
    assert status == t("rating_saved", id=row_id)
    rating = app.store.get(row_id)
    assert (rating.clinician_id, rating.answer_index, rating.thumbs, rating.accuracy) == ("rad-07", 0, "up", 4)
    assert rating.conversation[0]["content"][0] == {"type": "image", "image": f"sha256:{rating.image_sha256}"}
    assert rating.decoding["max_new_tokens"] == 8 and rating.latency_s > 0 and rating.image_png is None

    assert client.predict("wrong", "", "", "", "", api_name="/admin_view")[0] == t("wrong_password")
    counts, table, plot = client.predict("s3cret", "", "", "rad-07", "", api_name="/admin_view")
    assert counts.startswith("共 1 条评价") and table["data"][0][1:5] == [1, 1.0, 4.0, 3.0]
    assert table["headers"] == summary_headers("zh")
    assert Image.open(io.BytesIO(base64.b64decode(plot.split("base64,", 1)[1].split('"')[0]))).size[0] > 100
    _, raw = read_payload(client.predict("s3cret", "", "", "rad-07", "", api_name="/admin_export_csv")[1])
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig: Excel shows the Chinese
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["comment"] == "回答基本正确" and rows[0]["clinician_id"] == "rad-07"
    # Numbered as on the screen (the form said 1), with the rated question and answer as their own columns.
    assert (rows[0]["answer_number"], rows[0]["question"]) == ("1", "肺野清晰吗？")
    assert rows[0]["answer"] == message_text(rating.conversation[1]) and rating.conversation[1]["role"] == "assistant"
    _, jsonl = read_payload(client.predict("s3cret", "", "", "rad-07", "", api_name="/admin_export_jsonl")[1])
    assert [json.loads(line)["id"] for line in jsonl.decode("utf-8").splitlines()] == [row_id]
    assert "YYYY-MM-DD" in client.predict("s3cret", "2024-13-01", "", "", "", api_name="/admin_view")[0]
    for stored in (raw, jsonl, *(p.read_bytes() for p in app.root.glob("ratings.db*"))):
        assert b"Secret" not in stored and b"424242" not in stored  # DICOM tags never leave imaging
    assert not list(Path(get_upload_folder()).rglob(upload.name))  # nor does Gradio's copy of the upload stay


def test_twenty_parallel_sessions_without_errors_or_cross_talk(app, tmp_path):
    def session(i: int):
        # 20 clients at once on a busy 2-core machine: gradio_client's 20 s default is a wait, not the measure.
        client = Client(app.url, verbose=False, httpx_kwargs={"timeout": 180})
        client.predict(handle_file(film(tmp_path / f"p{i}.png", 10 * i + 20)), api_name="/upload")
        chat, *_ = ask(client, f"病例{i:02d}：这张胸片正常吗？", max_new=4)
        # The rating, then the same form (same id) again, as when the first reply was lost: one stored rating.
        key = uuid.uuid4().hex
        saved = client.predict(f"rad-p{i:02d}", 1, "up", "4", None, None, f"病例{i:02d}", key, api_name="/rate")
        again = client.predict(f"rad-p{i:02d}", 1, "down", "2", None, None, f"病例{i:02d}（重发）", key,
                               api_name="/rate")
        return texts(chat), saved, again

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(session, range(20)))
    for i, (chat, saved, again) in enumerate(results):
        (row,) = app.store.ratings(clinician=f"rad-p{i:02d}")
        assert (saved, again) == (t("rating_saved", id=row["id"]), t("rating_updated", id=row["id"]))
        assert (row["thumbs"], row["accuracy"], row["comment"]) == ("down", 2, f"病例{i:02d}（重发）")
        assert chat[0] == ("assistant", t("image_loaded", name=f"p{i}.png", width=64, height=64))
        assert chat[1] == ("user", f"病例{i:02d}：这张胸片正常吗？") and len(chat) == 3
        call, = app.backend.asked(f"病例{i:02d}")
        image = call["conversation"][0]["content"][0]["image"]
        assert abs(int(np.asarray(image).mean()) - (10 * i + 20)) <= 1  # this session's image, no other
        assert chat[2] == ("assistant", shown_answer(call["answer"]))  # this session's answer, no other


def test_bad_input_gets_a_clear_message_and_the_session_continues(app, tmp_path):
    client = Client(app.url, verbose=False)
    bomb = tmp_path / "bomb.png"
    Image.new("1", (12000, 9000)).save(bomb)  # 108 MP, a few kB on disk
    (tmp_path / "notes.png").write_bytes(b"this is not an image")
    (tmp_path / "cut.png").write_bytes(film(tmp_path / "whole.png", 50).read_bytes()[:80])
    for path, prefix, expected in [
            (tmp_path / "notes.png", "⚠️ 无法使用该图像", "notes.png: 不是可读取的图像（应为 PNG、JPEG 或 DICOM）"),
            (tmp_path / "cut.png", "⚠️ 无法使用该图像", "cut.png: 文件已损坏或不完整"),
            (bomb, "⚠️ 图像太大，无法使用", "bomb.png: 12000×9000 共 108 百万像素，超过 50 百万像素的上限"),
            (dicom(tmp_path / "sr.dcm", False), "⚠️ 无法使用该图像", "sr.dcm: DICOM 文件不含图像")]:
        chat, *_ = client.predict(handle_file(path), api_name="/upload")
        role, text = texts(chat)[-1]
        assert role == "assistant" and text.startswith(prefix) and expected in text, text
        # The library's own words (an exception name, "<_io.BytesIO object at 0x...>") stay in the log.
        assert not re.search(r"object at 0x|Error|[a-z]{4,} [a-z]{4,}", text.split(":", 1)[1]), text
    client.predict(handle_file(film(tmp_path / "good.png", 70)), api_name="/upload")
    calls = len(app.backend.calls)
    chat, *_ = ask(client, "   ")
    assert texts(chat)[-1] == ("assistant", t("empty_question")) and len(app.backend.calls) == calls

    chat, *_ = ask(client, "[[oom]] 心影大小正常吗？")
    assert texts(chat)[-1] == ("assistant", t("oom"))
    chat, _, number, *_ = ask(client, "首问：肺纹理清晰吗？")
    assert number == 1 and texts(chat)[-1][1] == shown_answer(app.backend.asked("首问")[-1]["answer"])
    conv = app.backend.asked("首问")[-1]["conversation"]
    assert len(conv) == 1 and conv[0]["content"][0]["type"] == "image"  # the failed turn left the history

    chat, *_ = ask(client, "肺" * 100_000)
    said = [text for _, text in texts(chat)]
    assert t("question_truncated", chars=100_000, kept=2000) in said
    assert t("history_truncated", turns=1) in said and texts(chat)[-1][0] == "assistant"
    sent = app.backend.asked("肺肺肺")[-1]["conversation"]
    assert len(sent) == 1 and sent[0]["content"][0]["type"] == "image"  # the older pair went, the image stayed
    tokenizer = app.backend.loaded.tokenizer
    assert len(tokenizer(message_text(sent[0]))["input_ids"]) <= 1024 - 8

    assert t("bad_region", detail="x1, y1, x2, y2") in texts(client.predict(
        "abc", "", "greedy", 8, 1, 0.7, 0.9, api_name="/ask_region")[0])[-1][1]
    assert client.predict("", 1, "up", None, None, None, "", api_name="/rate") == t("need_clinician")
    assert client.predict("rad-01", 9, "up", None, None, None, "", api_name="/rate") == t("no_answer", index=9)
    client.predict("en", api_name="/language")
    assert texts(ask(client, "")[0])[-1][1] == t("empty_question", "en")


def test_stop_ends_a_long_answer(app, tmp_path):
    client = Client(app.url, verbose=False)
    client.predict(handle_file(film(tmp_path / "stop.png", 60)), api_name="/upload")
    job = client.submit("长答：请详细描述这张胸片。", "greedy", 1024, 1, 0.7, 0.9, api_name="/ask")
    # 1024 new tokens do not fit beside the question in this app's 1024-token context: capped to 512.
    deadline = time.monotonic() + 120
    while len(job.outputs()) < 3 and not job.done() and time.monotonic() < deadline:
        time.sleep(0.05)
    client.predict(api_name="/stop")
    chat, *_ = job.result()
    answer = app.backend.asked("长答")[-1]["answer"]
    assert texts(chat)[-2:] == [("assistant", t("max_new_capped", n=512)),
                                ("assistant", f"{shown_answer(answer)} {t('stopped')}")]
    assert app.backend.asked("长答")[-1]["settings"].max_new_tokens == 512
    assert len(app.backend.loaded.tokenizer(answer)["input_ids"]) < 512


def test_app_starts_and_explains_when_the_model_cannot_load(tmp_path):
    spec = importlib.util.spec_from_file_location("demo_app", REPO / "demo" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    demo, settings = module.create_app(["--model", str(tmp_path / "no-such-model"), "--db", str(tmp_path / "r.db")])
    url = launch(demo)
    try:
        client = Client(url, verbose=False)
        client.predict(handle_file(film(tmp_path / "film.png", 80)), api_name="/upload")
        role, text = texts(ask(client, "这张胸片正常吗？")[0])[-1]
        assert role == "assistant" and text.startswith("⚠️ 模型不可用") and "--model tiny" in text
        assert str(tmp_path / "no-such-model") in text
    finally:
        demo.close()


def demo_module():
    """demo/app.py loaded as a module (a Space runs it by path)."""
    spec = importlib.util.spec_from_file_location("demo_app", REPO / "demo" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_unreachable_postgresql_db_stops_the_start_before_any_model_loads(tmp_path, capsys, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger="medqa.app")
    url = "postgresql://rater:hunter22@127.0.0.1:1/medqa"  # nothing listens on port 1
    assert demo_module().main(["--model", str(tmp_path / "no-such-model"), "--db", url]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error: cannot connect to PostgreSQL at postgresql://rater:***@127.0.0.1:1/medqa")
    assert "hunter22" not in said and len(said.strip().splitlines()) == 1
    assert "'db': 'postgresql://***@127.0.0.1:1/medqa'" in caplog.text and "hunter22" not in caplog.text  # settings:
    assert list(tmp_path.iterdir()) == []  # no SQLite file named after the URL


def test_chat_ratings_go_to_a_postgresql_db_that_replicas_share(tmp_path, postgres_url, tiny_model):
    url = fresh_database(postgres_url, "chat_replicas")
    replicas = [demo_module().create_app(["--model", str(tiny_model), "--db", url, "--no-warmup"])[0]
                for _ in range(2)]
    urls = [launch(demo) for demo in replicas]
    try:
        for n, replica_url in enumerate(urls):
            client = Client(replica_url, verbose=False)
            client.predict(handle_file(film(tmp_path / f"film{n}.png", 80)), api_name="/upload")
            ask(client, "肺野清晰吗？")
            assert client.predict(f"rad-0{n}", 1, "up", "4", "3", "5", "", api_name="/rate").startswith("✅")
    finally:
        for demo in replicas:
            demo.close()
    rows = PostgresFeedbackStore(url).ratings()
    assert sorted(r["clinician_id"] for r in rows) == ["rad-00", "rad-01"] and {r["accuracy"] for r in rows} == {4}


def test_acknowledged_ratings_survive_sigkill_of_the_app(tiny_model, tmp_path):
    """demo/app.py in its own process, rated from two sessions, SIGKILLed mid-writes: every 'saved' is in the file."""
    db, port = tmp_path / "ratings.db", free_port()
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen([sys.executable, str(REPO / "demo" / "app.py"), "--model", str(tiny_model), "--db",
                                   str(db), "--port", str(port), "--no-warmup"], stdout=log, stderr=subprocess.STDOUT)
    try:
        url, clients = f"http://127.0.0.1:{port}/", []
        deadline = time.monotonic() + 180  # start-up on a busy CI machine; a wait, not a measurement
        while not clients and server.poll() is None and time.monotonic() < deadline:
            try:
                clients = [Client(url, verbose=False) for _ in range(2)]
            except Exception:  # not listening yet
                time.sleep(0.5)
        assert clients, (tmp_path / "server.log").read_text()
        for i, client in enumerate(clients):
            client.predict(handle_file(film(tmp_path / f"k{i}.png", 40 + i)), api_name="/upload")
            ask(client, "肺野清晰吗？", max_new=2)
        acknowledged, done = [], threading.Event()

        def rate(client):
            while not done.is_set():
                try:
                    status = client.predict(f"rad-k{len(acknowledged)}", 1, "up", "5", "4", "3", "ok", api_name="/rate")
                except Exception:  # the server was killed under this call
                    return
                acknowledged.append(int(re.search(r"(\d+)", status).group(1)))

        writers = [threading.Thread(target=rate, args=(c,)) for c in clients]
        for w in writers:
            w.start()
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait()
        done.set()
        for w in writers:
            w.join()
    finally:
        if server.poll() is None:
            server.kill()
    store = FeedbackStore(db)
    assert len(acknowledged) >= 20 and store.integrity_ok()
    assert set(acknowledged) <= {r["id"] for r in store.ratings()}
