"""Tests for medqa.tiny: tiny checkpoints load and run through the real transformers user path."""

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from transformers import AutoModelForImageTextToText, AutoProcessor

from medqa.tiny import ARCHES, SPECIAL_TOKENS, build_tiny_model, main

CHINESE = "右肺底部轻度肺不张，无胸腔积液。"


@pytest.fixture(scope="module", params=ARCHES)
def loaded(request, tiny_models):
    """(arch, processor, model) loaded from the session's tiny checkpoint, the way users load it."""
    path = tiny_models(request.param)
    processor = AutoProcessor.from_pretrained(path)
    model = AutoModelForImageTextToText.from_pretrained(path).eval()
    return request.param, processor, model


def _chat_inputs(processor, add_generation_prompt=True):
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "image", "image": Image.new("L", (64, 64), 128)},
                {"type": "text", "text": "是否有胸腔积液？"},
            ],
        }
    ]
    return processor.apply_chat_template(
        messages,
        tokenize=True,
        add_generation_prompt=add_generation_prompt,
        return_dict=True,
        return_tensors="pt",
    )


def test_arches_include_qwen2_5_vl():
    assert "qwen2_vl" in ARCHES and "qwen2_5_vl" in ARCHES


def test_chat_template_expands_image_tokens(loaded):
    arch, processor, model = loaded
    inputs = _chat_inputs(processor)
    ids = inputs["input_ids"][0].tolist()
    merge = processor.image_processor.merge_size
    expected = int(inputs["image_grid_thw"].prod(dim=-1).sum()) // merge**2
    assert ids.count(model.config.image_token_id) == expected > 0
    # The vision block is framed by vision_start/end and the prompt ends with the assistant header.
    text = processor.tokenizer.decode(ids)
    assert "<|vision_start|><|image_pad|>" in text and "<|image_pad|><|vision_end|>" in text
    assert text.endswith("<|im_start|>assistant\n")
    assert "是否有胸腔积液？" in text
    assert ("You are a helpful assistant." in text) == (arch != "qwen3_vl")


def test_patch_size_matches_model(loaded):
    arch, processor, model = loaded
    expected = 16 if arch == "qwen3_vl" else 14
    assert processor.image_processor.patch_size == model.config.vision_config.patch_size == expected
    assert processor.image_processor.merge_size == model.config.vision_config.spatial_merge_size == 2


def test_forward_logits_and_loss(loaded):
    _, processor, model = loaded
    inputs = _chat_inputs(processor)
    with torch.no_grad():
        out = model(**inputs, labels=inputs["input_ids"])
    assert out.logits.shape == (1, inputs["input_ids"].shape[1], model.config.text_config.vocab_size)
    assert torch.isfinite(out.loss)


def test_generate_runs(loaded):
    _, processor, model = loaded
    inputs = _chat_inputs(processor)
    out = model.generate(**inputs, max_new_tokens=3, do_sample=False)
    prompt_len = inputs["input_ids"].shape[1]
    assert out.shape[0] == 1 and prompt_len < out.shape[1] <= prompt_len + 3


def test_tokenizer_round_trips_chinese(loaded):
    _, processor, _ = loaded
    tok = processor.tokenizer
    for text in (CHINESE, "心影增大，心胸比约0.56。Is there effusion? 否", "罕见字：鼹鼠 🫁"):
        assert tok.decode(tok.encode(text, add_special_tokens=False)) == text


def test_special_tokens_match_config(loaded):
    _, processor, model = loaded
    tok, cfg = processor.tokenizer, model.config
    ids = {t: tok.encode(t, add_special_tokens=False) for t in SPECIAL_TOKENS}
    assert all(len(v) == 1 for v in ids.values()), ids
    assert cfg.image_token_id == ids["<|image_pad|>"][0] == processor.image_token_id
    assert cfg.video_token_id == ids["<|video_pad|>"][0]
    assert cfg.vision_start_token_id == ids["<|vision_start|>"][0]
    assert cfg.vision_end_token_id == ids["<|vision_end|>"][0]
    assert tok.pad_token == "<|endoftext|>" and tok.eos_token == "<|im_end|>"
    gen = model.generation_config
    assert set(gen.eos_token_id) == {ids["<|im_end|>"][0], ids["<|endoftext|>"][0]}
    assert gen.pad_token_id == ids["<|endoftext|>"][0]


def test_mrope_section_sums_to_half_head_dim(loaded):
    _, _, model = loaded
    text = model.config.text_config
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
    assert sum(text.rope_parameters["mrope_section"]) == head_dim // 2


def test_checkpoint_is_tiny(tiny_model):
    assert (tiny_model / "model.safetensors").stat().st_size < 2_000_000


def test_same_seed_same_weights(tmp_path, tiny_model):
    again = build_tiny_model(tmp_path / "again", "qwen2_5_vl", seed=0)
    other = build_tiny_model(tmp_path / "other", "qwen2_5_vl", seed=1)
    ref, same, diff = (load_file(p / "model.safetensors") for p in (tiny_model, again, other))
    assert ref.keys() == same.keys() == diff.keys()
    assert all(torch.equal(ref[k], same[k]) for k in ref)
    assert not all(torch.equal(ref[k], diff[k]) for k in ref)
    assert (tiny_model / "tokenizer.json").read_bytes() == (again / "tokenizer.json").read_bytes()


def test_unknown_arch_names_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="qwen2_5_vl"):
        build_tiny_model(tmp_path, "llava")


def test_cli_help_and_bad_arch(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0 and "--arch" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path), "--arch", "nope"])
    assert exc.value.code == 2 and "qwen2_vl" in capsys.readouterr().err
