"""Real model shapes with random weights, for benchmarks: no download, and random weights cost the same FLOPs."""

from __future__ import annotations

# Qwen/Qwen2.5-VL-7B-Instruct config.json, the public values (rope_scaling written as v5 rope_parameters).
# Benchmarks build this shape with random weights: no download, and random weights cost the same FLOPs.
QWEN2_5_VL_7B = {
    "text": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                 num_key_value_heads=4, vocab_size=152064, max_position_embeddings=128000, rms_norm_eps=1e-6,
                 hidden_act="silu", max_window_layers=28, initializer_range=0.02,
                 rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [16, 24, 24]}),
    "vision": dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=3584,
                   patch_size=14, spatial_merge_size=2, window_size=112, fullatt_block_indexes=[7, 15, 23, 31],
                   temporal_patch_size=2, tokens_per_second=2, hidden_act="silu"),
}


def qwen2_5_vl_7b_config(tokenizer):
    """The Qwen2.5-VL-7B config with its special-token ids taken from `tokenizer` (e.g. a tiny one)."""
    from transformers import Qwen2_5_VLConfig

    names = ["<|endoftext|>", "<|im_end|>", "<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>"]
    pad, eos, image, video, start, end = tokenizer.convert_tokens_to_ids(names)
    text = dict(QWEN2_5_VL_7B["text"], pad_token_id=pad, bos_token_id=pad, eos_token_id=eos)
    return Qwen2_5_VLConfig(text_config=text, vision_config=QWEN2_5_VL_7B["vision"], image_token_id=image,
                            video_token_id=video, vision_start_token_id=start, vision_end_token_id=end,
                            tie_word_embeddings=False)

