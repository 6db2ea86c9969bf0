"""The demo's pure logic: user turns, input checks, context fitting, errors, ratings, settings, examples."""

import json

import pytest
import torch
from PIL import Image

from medqa.app import examples
from medqa.app.i18n import STRINGS, t
from medqa.app.session import (
    BackendUnavailable,
    ChatSession,
    InputError,
    add_answer,
    check_clinician,
    drop_last_answer,
    error_text,
    fit_context,
    make_rating,
    parse_region,
    prepare_question,
    set_image,
    shown_answer,
    stored_conversation,
    user_turn,
)
from medqa.app.settings import AppSettings, from_args
from medqa.core.conversation import message_text
from medqa.core.imaging import ImageError
from medqa.eval.metrics import rouge
from medqa.feedback.ratings import image_sha256, validate

MODEL = {"model_id": "tiny", "adapter_id": None, "adapter_hash": None}


def _session_with_answer() -> ChatSession:
    session = ChatSession("s1")
    set_image(session, Image.new("RGB", (32, 24), (50, 60, 70)), "film.png")
    session.turns.append(user_turn(session, "这张胸片正常吗？"))
    add_answer(session, "正常。", {"strategy": "greedy"}, 0.5, stopped=False)
    return session


def test_image_and_text_become_one_user_turn_and_the_image_is_sent_once():
    session = ChatSession("s1")
    image = Image.new("RGB", (32, 24), 90)
    set_image(session, image, "film.png")
    first = user_turn(session, "这张胸片正常吗？")
    assert first["role"] == "user" and [p["type"] for p in first["content"]] == ["image", "text"]
    assert first["content"][0]["image"] is image and first["content"][1]["text"] == "这张胸片正常吗？"
    session.turns.append(first)
    add_answer(session, "正常。", {}, 0.1, stopped=False)
    assert [p["type"] for p in user_turn(session, "心影大小？")["content"]] == ["text"]


def test_new_image_starts_a_new_case_and_is_hashed_from_rendered_pixels():
    session = _session_with_answer()
    second = Image.new("RGB", (16, 16), 200)
    set_image(session, second, "other.png")
    assert session.turns == [] and session.answers == []
    assert session.image_sha256 == image_sha256(session.image_png) and session.image_png.startswith(b"\x89PNG")
    assert t("new_case") in [item.text for item in session.display]


def test_empty_and_overlong_questions():
    for empty in ("", "   \n", None):
        with pytest.raises(InputError, match="问题是空的"):
            prepare_question(empty, 2000, "zh")
    with pytest.raises(InputError, match="The question is empty"):
        prepare_question(" ", 2000, "en")
    text, notices = prepare_question("肺" * 100_000, 2000, "zh")
    assert text == "肺" * 2000 and notices == [t("question_truncated", "zh", chars=100_000, kept=2000)]
    assert prepare_question(" 正常吗？ ", 2000, "zh") == ("正常吗？", [])


def _conversation(pairs: int, image) -> list[dict]:
    turns = []
    for i in range(pairs):
        turns.append({"role": "user", "content": ([{"type": "image", "image": image}] if i == 0 else [])
                      + [{"type": "text", "text": f"问题{i}" + "肺" * 50}]})
        turns.append({"role": "assistant", "content": [{"type": "text", "text": f"回答{i}" + "野" * 50}]})
    turns.append({"role": "user", "content": [{"type": "text", "text": "最后的问题"}]})
    return turns


def test_history_longer_than_the_context_drops_oldest_pairs_and_keeps_the_image():
    image = Image.new("RGB", (8, 8))
    turns = _conversation(6, image)
    kept, dropped, cut = fit_context(turns, budget=400, count=len, image_tokens=64)
    assert dropped > 0 and not cut and len(kept) == len(turns) - 2 * dropped
    assert message_text(kept[0]).startswith(f"问题{dropped}") and message_text(kept[-1]) == "最后的问题"
    assert kept[0]["content"][0] == {"type": "image", "image": image}  # moved to the first kept turn
    assert sum(p["type"] == "image" for m in kept for p in m["content"]) == 1
    assert 64 + sum(len(message_text(m)) + 6 for m in kept) <= 400
    assert fit_context(turns, budget=10_000, count=len, image_tokens=64) == (turns, 0, False)


def test_a_single_question_longer_than_the_context_is_cut_to_fit():
    turns = [{"role": "user", "content": [{"type": "text", "text": "肺" * 5000}]}]
    kept, dropped, cut = fit_context(turns, budget=1000, count=len, image_tokens=0)
    assert cut and dropped == 0 and 0 < len(message_text(kept[0])) <= 1000 - 6


def test_errors_become_clear_messages():
    assert error_text(torch.OutOfMemoryError("CUDA out of memory"), "zh") == t("oom", "zh")
    assert error_text(RuntimeError("MPS backend out of memory"), "en") == t("oom", "en")
    assert "--model tiny" in error_text(BackendUnavailable("cannot load x. To fix: run with --model tiny"), "zh")
    assert error_text(ImageError("a.dcm: corrupt DICOM (<_io.BytesIO object at 0x7f>)"), "en") == t(
        "image_error", "en", detail="a.dcm: the file is corrupt or truncated")
    said = error_text(KeyError("boom"), "zh")
    assert said == t("model_error", "zh") and "KeyError" not in said and "boom" not in said


def test_rating_from_session_is_storable_and_never_holds_pixels_or_names():
    session = _session_with_answer()
    with pytest.raises(InputError, match="医生化名"):
        make_rating(session, 1, "up", {}, "", MODEL)
    session.clinician_id = check_clinician(" rad-07 ", "zh")
    rating = make_rating(session, "1", "down", {"accuracy": "4", "completeness": None, "safety": 5}, " 好 ", MODEL)
    validate(rating)
    got = (rating.answer_index, rating.thumbs, rating.accuracy, rating.completeness, rating.safety, rating.comment)
    assert got == (0, "down", 4, None, 5, "好")
    assert rating.conversation[0]["content"][0] == {"type": "image", "image": f"sha256:{session.image_sha256}"}
    assert "film.png" not in json.dumps(rating.conversation, ensure_ascii=False)
    assert stored_conversation(session) == rating.conversation and rating.latency_s == 0.5
    for number, thumbs, scores, match in [(2, "up", {}, "没有第 2 个"), (1, "meh", {}, "thumbs"),
                                          (1, None, {"accuracy": 6}, "accuracy"), (1, None, {}, "评价为空")]:
        with pytest.raises(InputError, match=match):
            make_rating(session, number, thumbs, scores, "", MODEL)


def test_shown_answer_hides_markup():
    assert shown_answer("<ref>右肺</ref><box>(1,2),(3,4)</box>有结节<|vision_pad|>") == "右肺有结节"
    assert shown_answer("") == "…"


def test_clinician_ids_are_pseudonyms():
    for bad in ("", "张三", "Dr Smith", "x" * 65):
        with pytest.raises(InputError):
            check_clinician(bad, "zh")


def test_regenerate_drops_exactly_the_last_answer():
    session = _session_with_answer()
    assert drop_last_answer(session) and session.turns[-1]["role"] == "user" and session.answers == []
    assert not drop_last_answer(session)


def test_region_is_ordered_clamped_and_checked():
    assert parse_region("40, 30, 10, 5", (32, 24), "zh") == (10, 5, 32, 24)
    for bad in ("", "1 2 3", "5, 5, 6, 6"):
        with pytest.raises(InputError, match="区域无效"):
            parse_region(bad, (32, 24), "zh")


def test_both_languages_have_every_string():
    assert all(set(entry) == {"zh", "en"} and all(entry.values()) for entry in STRINGS.values())
    assert "科研" in t("notice") and "not a diagnosis" in t("notice", "en")


def test_settings_from_cli_env_and_defaults(tmp_path):
    env = {"MEDQA_MODEL": "env-model", "MEDQA_DB": "env.db", "MEDQA_STORE_IMAGES": "true", "MEDQA_CONCURRENCY": "3"}
    settings = from_args(["--model", "tiny", "--port", "7999"], env=env)
    assert (settings.model, settings.db, settings.store_images, settings.concurrency) == ("tiny", "env.db", True, 3)
    # No host given: Gradio's own default applies ($GRADIO_SERVER_NAME, else 127.0.0.1).
    assert (settings.port, settings.host, settings.admin_enabled) == (7999, None, False)
    assert from_args([], env={"SPACE_ID": "x/y", "MEDQA_ADMIN_PASSWORD": "pw"}).host == "0.0.0.0"
    assert from_args([], env={"MEDQA_ADMIN_PASSWORD": "pw"}).admin_enabled
    with pytest.raises(ValueError, match="needs --base-url"):
        AppSettings(backend="openai")
    with pytest.raises(SystemExit):
        from_args(["--backend", "openai"], env={})
    assert from_args(["--adapter", "runs/lora-f0"], env={}).model == ""  # the base comes from the adapter


def test_examples_are_read_in_place_and_matched_to_references(tmp_path):
    (tmp_path / "iu").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "iu" / "CXR54_IM-2145-1001.png")
    (tmp_path / "notes.txt").write_text("x")
    assert examples.list_examples(tmp_path) == ["iu/CXR54_IM-2145-1001.png"]
    assert examples.example_path(tmp_path, "iu/CXR54_IM-2145-1001.png").is_file()
    for escape in ("../etc/passwd", "/etc/passwd", "notes.txt/.."):
        with pytest.raises(ValueError):
            examples.example_path(tmp_path, escape)
    assert examples.image_key("CXR54_IM-2145-1001.png") == examples.image_key("54_IM-2145-1001.dcm.png")
    reference = {"pairs": [("心影大小正常吗？", "心影大小正常。"), ("有胸腔积液吗？", "无胸腔积液。")]}
    assert examples.reference_answer(reference, " 有胸腔积液吗？") == ("有胸腔积液吗？", "无胸腔积液。")
    assert examples.reference_answer(reference, "别的？") == (None, "心影大小正常。无胸腔积液。")
    scores = examples.score("心影大小正常。", "心影大小正常。无胸腔积液。")
    assert scores["r1"] == pytest.approx(rouge(["心影大小正常。"], ["心影大小正常。无胸腔积液。"])["rouge1"])
    panel = examples.reference_markdown(reference, "zh", "心影大小正常吗？", "心影大小正常。")
    assert "ROUGE-1 1.000" in panel and "无胸腔积液" in panel
