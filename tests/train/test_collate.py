"""Encoding, exact assistant-only labels on the real Qwen templates, and packing that changes nothing."""

import numpy as np
import pytest
import torch
from PIL import Image

from medqa.core.conversation import ConversationFormat
from medqa.core.modeling import ImageBudget, load_model
from medqa.train.collate import SampleEncoder, pack_collate, pack_groups, pack_rows, pad_collate, rope_index_fn
from medqa.train.masking import IGNORE_INDEX

FMT = ConversationFormat(system_prompt="你是放射科助手。")


def _text_record():
    pairs = [("胸片正常吗？", "正常。"), ("有没有气胸？", "没有气胸。")]
    return {"id": "t", "messages": FMT.conversation(pairs, with_image=False)}


@pytest.mark.parametrize("arch", ["qwen2_vl", "qwen2_5_vl"])
def test_labels_are_exactly_the_answers_and_their_end_markers(tiny_models, arch):
    loaded = load_model(str(tiny_models(arch)))
    tok = loaded.tokenizer
    enc = SampleEncoder(loaded.processor, FMT)(_text_record())
    # The template renders these pieces; labels cover exactly the answer pieces.
    pieces = [("<|im_start|>system\n你是放射科助手。<|im_end|>\n<|im_start|>user\n胸片正常吗？<|im_end|>\n"
               "<|im_start|>assistant\n", False), ("正常。<|im_end|>", True),
              ("\n<|im_start|>user\n有没有气胸？<|im_end|>\n<|im_start|>assistant\n", False),
              ("没有气胸。<|im_end|>", True), ("\n", False)]
    ids, expected = [], []
    for text, trained in pieces:
        piece = tok.encode(text, add_special_tokens=False)
        ids += piece
        expected += piece if trained else [IGNORE_INDEX] * len(piece)
    assert enc.input_ids.tolist() == ids
    assert enc.labels.tolist() == expected


def _image_records(n, seed=0):
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        img = Image.fromarray((rng.random((56 + 8 * i, 64, 3)) * 255).astype("uint8"))
        msgs = FMT.conversation([("有没有病灶？", "有。" * (i + 1)), ("在哪里？", "右肺。")], with_image=False)
        msgs[0]["content"].insert(0, {"type": "image", "image": img})
        records.append({"id": str(i), "messages": msgs})
    return records


@pytest.mark.parametrize("arch", ["qwen2_vl", "qwen2_5_vl", "qwen3_vl"])
def test_packed_loss_equals_unpacked_loss(tiny_models, arch):
    loaded = load_model(str(tiny_models(arch)), budget=ImageBudget(56 * 56, 112 * 112))
    encoder = SampleEncoder(loaded.processor, FMT, rope_index=rope_index_fn(loaded.model))
    samples = [encoder(r) for r in _image_records(3)]
    assert len({len(s) for s in samples}) > 1  # different lengths, so padding is really exercised
    model = loaded.model.eval()
    with torch.no_grad():
        padded = model(**pad_collate(samples, loaded.tokenizer.pad_token_id), use_cache=False).loss
        packed = model(**pack_collate(samples), use_cache=False).loss
        rows = model(**pack_rows([samples[:2], samples[2:]], loaded.tokenizer.pad_token_id), use_cache=False).loss
        # Without per-sample positions the samples would attend to each other and the loss would move.
        leaky = pack_collate(samples)
        leaky["position_ids"][0] = torch.arange(leaky["position_ids"].shape[-1])
        crossed = model(**leaky, use_cache=False).loss
    assert torch.allclose(padded, packed, atol=1e-5), (padded, packed)
    assert torch.allclose(padded, rows, atol=1e-5), (padded, rows)  # two packed rows, the shorter one padded
    assert not torch.allclose(packed, crossed, atol=1e-3)


def test_pack_groups_first_fit_decreasing():
    # 1200 opens row 0, 900 row 1; 600 fills row 0 exactly; 500 and 300 go to row 1.
    assert pack_groups([600, 500, 900, 1200, 300], 1800) == [[0, 3], [1, 2, 4]]
    assert pack_groups([2000, 10], 1800) == [[0], [1]]
    groups = pack_groups([400] * 9, 1800)
    assert sorted(i for g in groups for i in g) == list(range(9)) and len(groups) == 3
