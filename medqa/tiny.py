"""Build tiny, randomly initialised Qwen vision-language checkpoints for offline tests.

The folder written by :func:`build_tiny_model` loads back through the same path users take::

    AutoProcessor.from_pretrained(out_dir)
    AutoModelForImageTextToText.from_pretrained(out_dir)

It uses the real config, model, image/video processor and tokenizer classes, only shrunk: a few
layers, a small hidden size, a byte-level BPE tokenizer trained locally on chest X-ray text, and a
small image pixel budget so a 64x64 image becomes a handful of vision tokens.

Command line: ``python -m medqa.tiny OUT_DIR --arch qwen2_5_vl [--seed 0] [--layers 2] ...``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import transformers

from medqa.conversation import DEFAULT_SYSTEM_PROMPT

_CONFIG_CLASSES = {"qwen2_vl": "Qwen2VLConfig", "qwen2_5_vl": "Qwen2_5_VLConfig", "qwen3_vl": "Qwen3VLConfig"}
# Only the architectures this transformers install knows (Qwen3-VL arrived in 4.57).
ARCHES: tuple[str, ...] = tuple(arch for arch, cls in _CONFIG_CLASSES.items() if hasattr(transformers, cls))

# The real Qwen2-VL special tokens, in the real id order (151643.. in the released vocab).
SPECIAL_TOKENS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

# Qwen2's pre-tokenizer split pattern (same as transformers' tokenization_qwen2.PRETOKENIZE_REGEX).
PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

# Chat template of Qwen/Qwen2-VL-7B-Instruct (Qwen2.5-VL ships the same one).
QWEN2_VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# Chat template of Qwen/Qwen3-VL-*-Instruct without the tool-calling branches: no default
# system prompt, `system` only when given.
QWEN3_VL_CHAT_TEMPLATE = (
    "{%- if messages[0].role == 'system' %}{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0].content is string %}{{- messages[0].content }}{%- else %}"
    "{%- for content in messages[0].content %}{%- if 'text' in content %}{{- content.text }}"
    "{%- endif %}{%- endfor %}{%- endif %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- set image_count = namespace(value=0) %}{%- set video_count = namespace(value=0) %}"
    "{%- for message in messages %}"
    "{%- if message.role == 'user' or (message.role == 'system' and not loop.first) "
    "or message.role == 'assistant' %}"
    "{{- '<|im_start|>' + message.role + '\\n' }}{%- if message.content is string %}"
    "{{- message.content }}{%- else %}{%- for content in message.content %}"
    "{%- if content.type == 'image' or 'image' in content or 'image_url' in content %}"
    "{%- set image_count.value = image_count.value + 1 %}"
    "{%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{%- elif content.type == 'video' or 'video' in content %}"
    "{%- set video_count.value = video_count.value + 1 %}"
    "{%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{%- elif 'text' in content %}{{- content.text }}{%- endif %}{%- endfor %}{%- endif %}"
    "{{- '<|im_end|>\\n' }}{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

# Default tokenizer corpus: chest X-ray report / VQA phrasing in Chinese and English, plus the
# chat-template boilerplate so it tokenizes compactly.
DEFAULT_CORPUS: tuple[str, ...] = (
    "右肺底部轻度肺不张，无胸腔积液。",
    "双肺纹理增多、增粗，左肺上叶可见斑片状模糊影。",
    "心影大小、形态正常，主动脉结未见增宽。",
    "心影增大，心胸比约0.56，提示心脏扩大。",
    "右侧胸腔积液，右侧肋膈角变钝。",
    "左侧气胸，肺组织压缩约30%。",
    "双侧肺门影增大，考虑淋巴结肿大。",
    "右肺中叶实变影，考虑肺炎，建议抗感染治疗后复查。",
    "两肺野透亮度增高，膈肌低平，符合肺气肿表现。",
    "左肺下叶见一结节影，直径约1.2厘米，边缘光滑。",
    "气管居中，纵隔未见明显移位。",
    "双侧膈面光整，肋膈角锐利。",
    "胸廓对称，骨质结构未见明显异常。",
    "右上肺见条索状及钙化灶，考虑陈旧性肺结核。",
    "肺水肿表现：双肺门蝶翼状阴影，可见克氏B线。",
    "心电监护导联及中心静脉导管影，导管尖端位于上腔静脉。",
    "气管插管末端位于隆突上方约4厘米。",
    "胸片未见明显异常。两肺清晰，心膈正常。",
    "问：这张胸片是否显示胸腔积液？答：是。",
    "问：心影是否增大？答：否。",
    "问：病变位于哪一侧？答：右侧。",
    "问：图中可见什么异常？答：右下肺肺不张。",
    "问：是否存在气胸？答：不存在。",
    "请根据胸部X光片回答问题。",
    "诊断意见：肺炎；心脏增大；胸腔积液；肺不张；肺结节；肺气肿；正常。",
    "The cardiac silhouette is enlarged. There is a small left pleural effusion.",
    "No focal consolidation, pneumothorax, or pleural effusion is seen.",
    "Mild atelectasis at the right lung base. The lungs are otherwise clear.",
    "Is there evidence of pneumonia? Yes. Is the heart size normal? No.",
    "Which side is the abnormality on? Left. What is the finding? Cardiomegaly.",
    "Answer the question about the chest X-ray image in one word.",
    "You are a helpful assistant. system user assistant",
    "0 1 2 3 4 5 6 7 8 9 10 100 0.5 1.2 2024-01-01 (A) (B) (C) (D) yes no",
    # medqa's own system prompt and the synthetic blob task (medqa.synthetic): a blob sample is then
    # ~80 tokens (16 of them image tokens), as with a real Qwen tokenizer, instead of ~180 with the
    # prompt spelled out byte by byte, which diluted the image and left LoRA ~250 steps on an
    # image-blind plateau; and 有。/没有。 are 3 tokens each, so candidate scores compare like with like.
    DEFAULT_SYSTEM_PROMPT,
    "问：有没有病灶？答：有。问：有没有病灶？答：没有。",
)


# Std of the output projection (lm_head). LoRA (and QLoRA) leave the final RMSNorm and lm_head
# frozen, so the decoder can only steer the normed hidden state h (|h| = sqrt(hidden) with the
# norm's unit weight) and a token's logit is at most |w_token| * |h| = std * hidden. At hidden 64
# with the trunk's 0.1 that is 6.4, below ln(vocab) ~ 6.9: no token could pass p ~ 0.3 (~1.2 nats
# of loss per answer token even for a fully predictable one): LoRA runs plateaued at ~1.5.
# A pretrained head allows margins of tens of nats; 0.3 gives ~19 here (p > 0.99 is reachable)
# while a random model's logits stay a moderate N(0, 2.4^2).
HEAD_INIT_RANGE = 0.3


def _train_bpe(corpus: Iterable[str], vocab_size: int) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Train a Qwen-style byte-level BPE; return (vocab, merges) without the special tokens."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    # The full 256-byte alphabet means any text (every CJK character) stays encodable.
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tok.train_from_iterator(list(corpus), trainer)
    model = json.loads(tok.to_str())["model"]
    merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return dict(model["vocab"]), merges


def build_tokenizer(corpus: Iterable[str] | None = None, vocab_size: int = 1000):
    """Return a ``Qwen2Tokenizer`` trained on ``corpus`` with the real Qwen special tokens.

    ``vocab_size`` is the target total size including the 14 special tokens; a small corpus may
    give fewer BPE tokens.
    """
    from transformers import Qwen2Tokenizer

    n_base = vocab_size - len(SPECIAL_TOKENS)
    if n_base < 256:
        minimum = 256 + len(SPECIAL_TOKENS)
        raise ValueError(f"vocab_size must be >= {minimum} (256 bytes + specials), got {vocab_size}")
    vocab, merges = _train_bpe(DEFAULT_CORPUS if corpus is None else corpus, n_base)
    # Specials sit right after the BPE vocab, in Qwen's order, so their ids are predictable.
    for token in SPECIAL_TOKENS:
        vocab[token] = len(vocab)
    tokenizer = Qwen2Tokenizer(
        vocab=vocab,
        merges=merges,
        unk_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens=[t for t in SPECIAL_TOKENS if t not in ("<|endoftext|>", "<|im_end|>")],
        model_max_length=32768,
        clean_up_tokenization_spaces=False,
        split_special_tokens=False,
    )
    return tokenizer


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


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: build one tiny checkpoint and print where it went."""
    parser = argparse.ArgumentParser(
        prog="python -m medqa.tiny",
        description="Write a tiny randomly initialised Qwen VL checkpoint (model + processor + tokenizer) "
        "that loads offline with AutoProcessor / AutoModelForImageTextToText. For tests and smoke runs.",
    )
    parser.add_argument("out_dir", type=Path, help="folder to write (created if missing)")
    parser.add_argument("--arch", default="qwen2_5_vl", help=f"architecture, one of: {', '.join(ARCHES)}")
    parser.add_argument("--seed", type=int, default=0, help="weight-init seed (default 0)")
    parser.add_argument("--layers", type=int, default=2, help="text decoder layers (default 2)")
    parser.add_argument("--hidden", type=int, default=64, help="text hidden size, x16 (default 64)")
    parser.add_argument("--vocab", type=int, default=1000, help="tokenizer/embedding size (default 1000)")
    args = parser.parse_args(argv)
    if args.arch not in ARCHES:
        parser.error(f"unknown --arch {args.arch!r}; valid: {', '.join(ARCHES)}")
    try:
        out = build_tiny_model(
            args.out_dir,
            args.arch,
            seed=args.seed,
            num_layers=args.layers,
            hidden_size=args.hidden,
            vocab_size=args.vocab,
        )
    except ValueError as exc:
        parser.error(str(exc))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
