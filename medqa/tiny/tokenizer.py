"""The tiny model's tokenizer: a Qwen2 byte-level BPE trained locally on chest X-ray text, real special tokens."""

from __future__ import annotations

import json
from collections.abc import Iterable

from medqa.core.conversation import DEFAULT_SYSTEM_PROMPT

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
    # medqa's own system prompt and the synthetic blob task (tests.helpers.synthetic): a blob sample is then
    # ~80 tokens (16 of them image tokens), as with a real Qwen tokenizer, instead of ~180 with the
    # prompt spelled out byte by byte, which diluted the image and left LoRA ~250 steps on an
    # image-blind plateau; and 有。/没有。 are 3 tokens each, so candidate scores compare like with like.
    DEFAULT_SYSTEM_PROMPT,
    "问：有没有病灶？答：有。问：有没有病灶？答：没有。",
)


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
