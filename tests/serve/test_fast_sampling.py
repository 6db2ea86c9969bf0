"""The fast decoder samples exactly as generate() does with the same settings (issue 19).

The model's generation_config is Qwen2.5-VL-7B-Instruct's (top_k=1, temperature 0.1, top_p 0.001,
repetition penalty 1.05): generate() applies the request's settings over it, and so must the fast
decoder. For each setting the test compares, at every step of a sampled answer, the distribution the
fast decoder draws from (`sampling_scores`) with the scores generate() itself sampled from
(`output_scores`), computed from the same raw logits (`output_logits`) and the tokens seen so far:

* temperature ignored, or the config's 0.1 used: the 0.7 / 1.5 rows differ;
* top_k taken from the config (1): every row with top_k 0 ("none") or 50 differs;
* top_k ignored: the top_k=5 row differs;
* top_p ignored, or the config's 0.001 used: the 0.9 / 0.5 rows differ;
* repetition penalty ignored or the config's 1.05 used: the 1.3 row differs (tokens seen get penalised).
Draws are then checked end to end: several seeds give several answers (the config's top_k=1 would give
one), answers stop at the model's end token or max_new_tokens.
"""


import numpy as np
import pytest
import torch

from medqa.core.modeling import load_model
from medqa.serve.decoding import DecodingSettings
from medqa.serve.fast_decode import FastDecoder, knob_values, sampling_scores
from medqa.serve.local import LocalBackend
from tests.helpers.instruct import instruct_like_copy
from tests.helpers.synthetic import blob_film

SETTINGS = [
    DecodingSettings("sample", temperature=0.7, top_p=0.9, top_k=0, repetition_penalty=1.05, max_new_tokens=12),
    DecodingSettings("sample", temperature=1.5, top_p=1.0, top_k=0, repetition_penalty=1.0, max_new_tokens=12),
    DecodingSettings("sample", temperature=1.0, top_p=0.5, top_k=50, repetition_penalty=1.0, max_new_tokens=12),
    DecodingSettings("sample", temperature=1.2, top_p=1.0, top_k=5, repetition_penalty=1.0, max_new_tokens=12),
    DecodingSettings("sample", temperature=1.0, top_p=0.95, top_k=0, repetition_penalty=1.3, max_new_tokens=12),
]


@pytest.fixture(scope="module")
def instruct(tiny_model, tmp_path_factory):
    folder = instruct_like_copy(tiny_model, tmp_path_factory.mktemp("instruct_gen") / "model")
    loaded = load_model(str(folder), dtype=torch.float32)
    loaded.model.eval()
    assert loaded.model.generation_config.top_k == 1
    return LocalBackend(loaded, fast=False)


@pytest.fixture(scope="module")
def prompt(instruct):
    conversation = [instruct.fmt.user_turn("这张胸片正常吗？", blob_film(True, np.random.default_rng(0)))]
    return instruct.encode([conversation])


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"T{s.temperature}-p{s.top_p}-k{s.top_k}"
                         f"-r{s.repetition_penalty}")
def test_each_step_draws_from_generates_distribution(instruct, prompt, settings):
    model, tok = instruct.loaded.model, instruct.loaded.tokenizer
    torch.manual_seed(0)
    with torch.no_grad():
        out = model.generate(**prompt, **settings.hf_kwargs(), pad_token_id=tok.pad_token_id, output_scores=True,
                             output_logits=True, return_dict_in_generate=True)
    n = prompt["input_ids"].shape[1]
    knobs = torch.tensor(knob_values(settings))
    for step, (raw, processed) in enumerate(zip(out.logits, out.scores, strict=True)):
        seen = torch.zeros_like(raw, dtype=torch.bool)
        seen[0, out.sequences[0, :n + step]] = True
        ours = sampling_scores(raw.float(), seen, knobs)
        assert torch.equal(torch.isinf(ours), torch.isinf(processed)), f"step {step}: kept tokens differ"
        torch.testing.assert_close(ours.softmax(-1), processed.float().softmax(-1), rtol=1e-4, atol=1e-6,
                                   msg=f"step {step}")
    assert len(out.scores) > 1


def test_the_config_s_top_k_1_would_fail_this_test(instruct, prompt):
    """The check above catches the old bug: top_k=1 from the config keeps one token where generate() keeps many."""
    settings = SETTINGS[1]
    with torch.no_grad():
        raw = instruct.loaded.model(**prompt).logits[:, -1].float()
    seen = torch.zeros_like(raw, dtype=torch.bool)
    request, config_k = knob_values(settings), knob_values(settings)
    config_k[4] = 1.0
    assert torch.isfinite(sampling_scores(raw, seen, torch.tensor(request))).sum() > 1
    assert torch.isfinite(sampling_scores(raw, seen, torch.tensor(config_k))).sum() == 1


def test_fast_decoder_samples_with_the_request_not_the_config(instruct, prompt):
    decoder = FastDecoder(instruct.loaded.model, buckets=(512,), compile=False)
    settings = SETTINGS[1]
    answers = []
    for seed in range(6):
        torch.manual_seed(seed)
        answers.append(tuple(decoder.decode(dict(prompt), settings)))
    assert len(set(answers)) > 1, answers  # the config's top_k=1 gives one answer for every seed
    eos = decoder.eos_ids()
    for answer in answers:
        assert len(answer) <= settings.max_new_tokens
        assert answer[-1] in eos or len(answer) == settings.max_new_tokens
        assert not eos & set(answer[:-1])  # nothing after an end token


def test_greedy_ignores_the_sampling_settings(instruct, prompt):
    decoder = FastDecoder(instruct.loaded.model, buckets=(512,), compile=False)
    greedy = DecodingSettings(max_new_tokens=12)
    tok = instruct.loaded.tokenizer
    with torch.no_grad():
        ref = instruct.loaded.model.generate(**prompt, **greedy.hf_kwargs(), pad_token_id=tok.pad_token_id)
    assert decoder.decode(dict(prompt), greedy) == ref[0, prompt["input_ids"].shape[1]:].tolist()
