"""The owned decode loop gives generate()'s tokens: greedy, second turn, compiled as one graph, streamed and stopped.

On CPU the step runs eagerly (and once through torch.compile's tracer, backend "eager", which checks
that it is a single graph with no recompile after warm-up); CUDA graphs need a GPU (bench/gpu_suite.sh).
CI runs this file a second time on the lowest allowed versions (transformers 5.17, peft 0.21).
"""

import threading

import numpy as np
import pytest
import torch

from medqa.core.modeling import load_model
from medqa.serve.decoding import DecodingSettings
from medqa.serve.fast_decode import FastDecoder
from medqa.serve.local import LocalBackend
from tests.helpers.synthetic import blob_film

GREEDY = DecodingSettings(max_new_tokens=24)


@pytest.fixture(scope="module")
def loaded(tiny_model):
    loaded = load_model(str(tiny_model), dtype=torch.float32)
    loaded.model.eval()
    return loaded


@pytest.fixture(scope="module")
def plain(loaded):
    """The reference: the same backend with generate()."""
    return LocalBackend(loaded, fast=False)


def _reference(plain, conversation, settings=GREEDY) -> list[int]:
    inputs = plain.encode([conversation])
    tok = plain.loaded.tokenizer
    with torch.no_grad():
        out = plain.loaded.model.generate(**inputs, **settings.hf_kwargs(), pad_token_id=tok.pad_token_id)
    return out[0, inputs["input_ids"].shape[1]:].tolist()


@pytest.fixture(scope="module")
def turns(plain) -> list[tuple[list[dict], list[int]]]:
    """[(conversation, generate()'s greedy answer)] for an X-ray and a question, then a follow-up in the same chat."""
    fmt, tok = plain.fmt, plain.loaded.tokenizer
    first = [fmt.user_turn("这张胸片正常吗？", blob_film(True, np.random.default_rng(0)))]
    answer = _reference(plain, first)
    second = first + [fmt.assistant_turn(tok.decode(answer, skip_special_tokens=True)), fmt.user_turn("心影大小如何？")]
    return [(first, answer), (second, _reference(plain, second))]


def test_greedy_is_token_identical_to_generate_in_both_turns(loaded, plain, turns):
    decoder = FastDecoder(loaded.model, buckets=(128, 512))
    for conversation, expected in turns:
        assert len(expected) == GREEDY.max_new_tokens  # long enough to mean something (no early end)
        assert decoder.decode(plain.encode([conversation]), GREEDY) == expected
    assert set(decoder.slots) == {128, 512}  # the second turn needed the larger bucket


def test_compiled_step_is_one_graph_with_no_recompile_after_warmup(loaded, plain, turns):
    import torch._dynamo.utils

    decoder = FastDecoder(loaded.model, buckets=(512,), compile=True, backend="eager")  # fullgraph=True tracing
    decoder.warmup()
    graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    for conversation, expected in turns:  # two prompt lengths, one bucket
        assert decoder.decode(plain.encode([conversation]), GREEDY) == expected
    sampled = DecodingSettings(strategy="sample", max_new_tokens=8)
    decoder.decode(plain.encode([turns[0][0]]), sampled)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == graphs  # greedy and sampling share it


def test_sampling_draws_reproducibly_and_a_tiny_top_p_is_greedy(loaded, plain, turns):
    decoder = FastDecoder(loaded.model, buckets=(256,))
    conversation, expected = turns[0]
    inputs = plain.encode([conversation])
    narrow = DecodingSettings(strategy="sample", top_p=1e-9, max_new_tokens=24)
    assert decoder.decode(inputs, narrow) == expected
    wide = DecodingSettings(strategy="sample", temperature=1.5, top_p=1.0, max_new_tokens=24)
    draws = []
    for seed in (1, 1, 2):
        torch.manual_seed(seed)
        draws.append(decoder.decode(inputs, wide))
    assert draws[0] == draws[1] != draws[2]


def test_backend_generate_and_stream_give_generates_text(loaded, plain, turns):
    fast = LocalBackend(loaded, fast=True)
    assert fast.decoder is not None and plain.decoder is None
    conversations = [conversation for conversation, _ in turns]
    texts = [fast._clean(plain.loaded.tokenizer.decode(answer)) for _, answer in turns]
    assert fast.generate(conversations, GREEDY) == texts
    streamed = list(fast.stream(conversations[1], GREEDY))
    assert len(streamed) > 1 and streamed[-1] == texts[1]
    beam = DecodingSettings(strategy="beam", num_beams=2, max_new_tokens=8)  # not the fast path: generate()
    assert fast.generate(conversations[:1], beam) == plain.generate(conversations[:1], beam)


def test_stop_ends_the_answer_at_the_next_chunk(loaded, plain, turns):
    decoder = FastDecoder(loaded.model, buckets=(256,), chunk=4)
    stop = threading.Event()
    pieces = []

    def on_tokens(ids):
        pieces.append(ids)
        stop.set()  # pressed while the first token is shown

    answer = decoder.decode(plain.encode([turns[0][0]]), GREEDY, on_tokens=on_tokens, stop=stop)
    assert answer == [t for piece in pieces for t in piece] and len(answer) == 1


def test_a_conversation_longer_than_every_bucket_falls_back_to_generate(loaded, plain, turns):
    small = LocalBackend(loaded, decoder=FastDecoder(loaded.model, buckets=(64,)))
    conversation, answer = turns[0]
    with pytest.raises(ValueError, match="largest cache bucket"):
        small.decoder.decode(small.encode([conversation]), GREEDY)
    assert small.generate([conversation], GREEDY) == [small._clean(plain.loaded.tokenizer.decode(answer))]
