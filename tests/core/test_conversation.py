"""The one conversation format: building, model messages, persistence."""

import pytest

from medqa.core.conversation import (
    FORMAT_FILE,
    ConversationFormat,
    fill_images,
    message_images,
    message_text,
    record_images,
    record_messages,
)


def test_conversation_puts_the_image_placeholder_on_the_first_question_only():
    fmt = ConversationFormat()
    msgs = fmt.conversation([("正常吗？", "正常。"), ("有没有气胸？", "没有。")])
    assert msgs == [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "正常吗？"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "正常。"}]},
        {"role": "user", "content": [{"type": "text", "text": "有没有气胸？"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "没有。"}]},
    ]
    assert [message_text(m) for m in msgs] == ["正常吗？", "正常。", "有没有气胸？", "没有。"]
    record = {"images": ["a.png"], "messages": msgs}
    assert message_images(record_messages(record)) == ["a.png"] == record_images(record)
    assert record_messages(record)[0]["content"][0] == {"type": "image", "image": "a.png"}


def test_fill_images_keeps_explicit_images_and_checks_the_count():
    fmt = ConversationFormat()
    old_layout = [fmt.user_turn("Q", "old/path.png"), fmt.assistant_turn("A")]
    assert fill_images(old_layout, None) == old_layout
    assert record_images({"messages": old_layout}) == ["old/path.png"]
    with pytest.raises(ValueError, match="no image left"):
        fill_images(fmt.conversation([("Q", "A")]), [])
    with pytest.raises(ValueError, match="no placeholder"):
        fill_images(fmt.conversation([("Q", "A")], with_image=False), ["a.png"])


def test_model_messages_add_system_and_resolve_images_and_drop_dataset_nulls(tmp_path):
    fmt = ConversationFormat(system_prompt="SYS")
    # `datasets` loads content parts as structs with every key, the absent ones None.
    loaded = [{"role": "user", "content": [{"type": "image", "image": "x/a.png", "text": None},
                                           {"type": "text", "image": None, "text": "Q"}]}]
    out = fmt.to_model_messages(loaded, image_root=tmp_path)
    assert out == [
        {"role": "system", "content": [{"type": "text", "text": "SYS"}]},
        {"role": "user", "content": [{"type": "image", "image": str(tmp_path / "x/a.png")},
                                     {"type": "text", "text": "Q"}]},
    ]
    with pytest.raises(ValueError, match="unknown content part type 'video'"):
        fmt.to_model_messages([{"role": "user", "content": [{"type": "video"}]}])


def test_format_round_trips_and_missing_file_is_an_error_not_a_guess(tmp_path):
    fmt = ConversationFormat(name="custom", system_prompt="你好")
    assert fmt.save(tmp_path).name == FORMAT_FILE
    assert ConversationFormat.load(tmp_path) == fmt
    with pytest.raises(FileNotFoundError, match="not saved by medqa"):
        ConversationFormat.load(tmp_path / "other")
    assert ConversationFormat.load_or_default("Qwen/Qwen2.5-VL-7B-Instruct") == ConversationFormat()
