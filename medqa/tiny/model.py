"""Build tiny, randomly initialised Qwen vision-language checkpoints for offline tests.

The folder written by :func:`build_tiny_model` loads back through the same path users take::

    AutoProcessor.from_pretrained(out_dir)
    AutoModelForImageTextToText.from_pretrained(out_dir)

It uses the real config, model, image/video processor and tokenizer classes, only shrunk: a few
layers, a small hidden size, a byte-level BPE tokenizer trained locally on chest X-ray text, and a
small image pixel budget so a 64x64 image becomes a handful of vision tokens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

import transformers

from medqa.tiny.tokenizer import QWEN2_VL_CHAT_TEMPLATE, QWEN3_VL_CHAT_TEMPLATE, SPECIAL_TOKENS, build_tokenizer

_CONFIG_CLASSES = {"qwen2_vl": "Qwen2VLConfig", "qwen2_5_vl": "Qwen2_5_VLConfig", "qwen3_vl": "Qwen3VLConfig"}
# Only the architectures this transformers install knows (Qwen3-VL arrived in 4.57).
ARCHES: tuple[str, ...] = tuple(arch for arch, cls in _CONFIG_CLASSES.items() if hasattr(transformers, cls))

# Std of the output projection (lm_head). LoRA (and QLoRA) leave the final RMSNorm and lm_head
# frozen, so the decoder can only steer the normed hidden state h (|h| = sqrt(hidden) with the
# norm's unit weight) and a token's logit is at most |w_token| * |h| = std * hidden. At hidden 64
# with the trunk's 0.1 that is 6.4, below ln(vocab) ~ 6.9: no token could pass p ~ 0.3 (~1.2 nats
# of loss per answer token even for a fully predictable one): LoRA runs plateaued at ~1.5.
# A pretrained head allows margins of tens of nats; 0.3 gives ~19 here (p > 0.99 is reachable)
# while a random model's logits stay a moderate N(0, 2.4^2).
HEAD_INIT_RANGE = 0.3


def _mrope_section(half_head_dim: int, arch: str) -> list[int]:
    """Split half the rotary head dim into (t, h, w) sections in the real models' proportions."""
    if arch == "qwen3_vl":  # real [24, 20, 20] of 64, interleaved
        h = w = half_head_dim * 5 // 16
    else:  # real [16, 24, 24] of 64
        h = w = (half_head_dim - half_head_dim // 4) // 2
    return [half_head_dim - h - w, h, w]


def _vision_config(arch: str, hidden_size: int, depth: int = 2) -> dict:
    """A small vision tower whose merger projects to the text ``hidden_size``."""
    common = dict(
        depth=depth, num_heads=2, spatial_merge_size=2, temporal_patch_size=2, initializer_range=0.1
    )
    if arch == "qwen2_vl":
        return dict(common, embed_dim=32, mlp_ratio=2, hidden_size=hidden_size, patch_size=14)
    if arch == "qwen2_5_vl":
        # window_size 112 px = 4x4 merged tokens; the last block uses full attention as in the real model.
        return dict(
            common,
            hidden_size=32,
            intermediate_size=64,
            out_hidden_size=hidden_size,
            patch_size=14,
            window_size=112,
            fullatt_block_indexes=[depth - 1],
            tokens_per_second=2,
        )
    # qwen3_vl: learned 2-D position table (must be a square number), one deepstack layer.
    return dict(
        common,
        hidden_size=32,
        intermediate_size=64,
        out_hidden_size=hidden_size,
        patch_size=16,
        num_position_embeddings=64,
        deepstack_visual_indexes=[0],
    )


def build_config(arch: str, tokenizer, *, num_layers: int = 2, hidden_size: int = 64, vocab_size: int = 1000):
    """Return the real ``*VLConfig`` for ``arch``, shrunk, with token ids taken from ``tokenizer``."""
    check_arch(arch)
    heads = 4
    if hidden_size % (heads * 4):
        raise ValueError(f"hidden_size must be a multiple of {heads * 4}, got {hidden_size}")
    head_dim = hidden_size // heads
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text = dict(
        vocab_size=max(vocab_size, len(tokenizer)),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=heads,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        initializer_range=0.1,
        rms_norm_eps=1e-6,
        pad_token_id=ids["<|endoftext|>"],
    )
    rope = {"rope_type": "default", "mrope_section": _mrope_section(head_dim // 2, arch)}
    if arch == "qwen3_vl":
        rope.update(rope_theta=5_000_000.0, mrope_interleaved=True)
        text.update(head_dim=head_dim, rope_parameters=rope)
    else:
        text.update(
            rope_parameters=dict(rope, rope_theta=1_000_000.0),
            max_window_layers=num_layers,
            bos_token_id=ids["<|endoftext|>"],
            eos_token_id=ids["<|im_end|>"],
        )
    config_cls = getattr(transformers, _CONFIG_CLASSES[arch])
    return config_cls(
        text_config=text,
        vision_config=_vision_config(arch, hidden_size),
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )


def check_arch(arch: str) -> None:
    """Raise ``ValueError`` naming the valid choices if ``arch`` is not buildable here."""
    if arch not in ARCHES:
        raise ValueError(f"unknown arch {arch!r}; valid: {', '.join(ARCHES)}")


def build_processor(arch: str, tokenizer, *, min_pixels: int, max_pixels: int):
    """Return the real processor for ``arch`` (image + video processor, tokenizer, chat template)."""
    from transformers import Qwen2VLImageProcessor, Qwen2VLVideoProcessor

    check_arch(arch)
    size = {"shortest_edge": min_pixels, "longest_edge": max_pixels}
    if arch == "qwen3_vl":
        from transformers import Qwen3VLProcessor, Qwen3VLVideoProcessor

        # Qwen3-VL's released preprocessor: 16 px patches, mean/std 0.5.
        norm = dict(patch_size=16, image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
        return Qwen3VLProcessor(
            image_processor=Qwen2VLImageProcessor(size=size, merge_size=2, temporal_patch_size=2, **norm),
            video_processor=Qwen3VLVideoProcessor(size=size, merge_size=2, temporal_patch_size=2, **norm),
            tokenizer=tokenizer,
            chat_template=QWEN3_VL_CHAT_TEMPLATE,
        )
    processor_cls = getattr(transformers, "Qwen2VLProcessor" if arch == "qwen2_vl" else "Qwen2_5_VLProcessor")
    kw = dict(size=size, patch_size=14, merge_size=2, temporal_patch_size=2)
    return processor_cls(
        image_processor=Qwen2VLImageProcessor(**kw),
        video_processor=Qwen2VLVideoProcessor(**kw),
        tokenizer=tokenizer,
        chat_template=QWEN2_VL_CHAT_TEMPLATE,
    )


def build_tiny_model(
    out_dir: str | Path,
    arch: str = "qwen2_5_vl",
    *,
    seed: int = 0,
    num_layers: int = 2,
    hidden_size: int = 64,
    vocab_size: int = 1000,
    corpus: Iterable[str] | None = None,
    min_pixels: int = 56 * 56,
    max_pixels: int = 112 * 112,
    head_init_range: float = HEAD_INIT_RANGE,
) -> Path:
    """Write a randomly initialised ``arch`` checkpoint (model, processor, tokenizer) to ``out_dir``.

    ``head_init_range`` is the std of the output projection (``lm_head``); see ``HEAD_INIT_RANGE``.
    Deterministic for a given ``seed`` and arguments. Returns ``out_dir`` as a ``Path``.
    """
    import torch
    from transformers import AutoModelForImageTextToText, GenerationConfig

    check_arch(arch)
    out = Path(out_dir)
    tokenizer = build_tokenizer(corpus, vocab_size)
    config = build_config(
        arch, tokenizer, num_layers=num_layers, hidden_size=hidden_size, vocab_size=vocab_size
    )
    # fork_rng keeps the caller's global RNG state untouched while making init depend on seed only.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
        with torch.no_grad():
            model.get_output_embeddings().weight.normal_(0.0, head_init_range)
    eos, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    model.generation_config = GenerationConfig(bos_token_id=pad, eos_token_id=[eos, pad], pad_token_id=pad)
    out.mkdir(parents=True, exist_ok=True)
    with _quiet_progress():  # a 1 MB shard needs no "Writing model shards" bar in test logs
        model.save_pretrained(out)
    build_processor(arch, tokenizer, min_pixels=min_pixels, max_pixels=max_pixels).save_pretrained(out)
    return out


@contextlib.contextmanager
def _quiet_progress():
    """Disable transformers/hub progress bars inside the block, restoring the previous setting."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
