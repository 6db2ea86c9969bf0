"""Exports to Qwen-VL v1 and LLaMA-Factory sharegpt, and their exact round trips."""

from medqa.core.conversation import ConversationFormat
from medqa.data.export import to_qwen_vl, to_sharegpt
from tests.helpers.exports import from_qwen_vl, from_sharegpt

FMT = ConversationFormat()
RECORD = {"id": "54_IM-2145-1001", "images": ["imgs/CXR54_IM-2145-1001.png"],
          "messages": FMT.conversation([("这是正位片还是侧位片？", "这是正位（后前位）胸片。"),
                                        ("有没有气胸？", "没有。报告未见气胸。")])}


def test_qwen_vl_v1_layout_and_round_trip():
    item = to_qwen_vl(RECORD)
    assert item == {"id": "54_IM-2145-1001", "conversations": [
        {"from": "user", "value": "Picture 1: <img>imgs/CXR54_IM-2145-1001.png</img>\n这是正位片还是侧位片？"},
        {"from": "assistant", "value": "这是正位（后前位）胸片。"},
        {"from": "user", "value": "有没有气胸？"},
        {"from": "assistant", "value": "没有。报告未见气胸。"}]}
    assert from_qwen_vl(item) == RECORD


def test_sharegpt_layout_and_round_trip():
    item = to_sharegpt(RECORD, FMT)
    assert item["images"] == ["imgs/CXR54_IM-2145-1001.png"]
    assert item["system"] == FMT.system_prompt
    assert [m["content"] for m in item["messages"]] == [
        "<image>这是正位片还是侧位片？", "这是正位（后前位）胸片。", "有没有气胸？", "没有。报告未见气胸。"]
    assert from_sharegpt(item) == RECORD
