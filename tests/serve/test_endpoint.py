"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1: what each decoding choice sends."""

import base64
import io

import pytest
from PIL import Image

from medqa.core.conversation import ConversationFormat
from medqa.core.modeling import ImageBudget
from medqa.serve.decoding import DecodingSettings
from medqa.serve.endpoint import OpenAIBackend
from tests.helpers.fake_openai import FakeOpenAIServer
from tests.helpers.paths import OPENI

SHARED = OPENI / "images"
FILM = "iu_xray/kaggle_png/1001_IM-0004-1001.dcm.png"  # 1.9 MB, the largest film in ../shared
FMT = ConversationFormat()


def conversation(question: str = "这张胸片是否正常？") -> list[dict]:
    return [FMT.user_turn(question, FILM)]


def backend(server: FakeOpenAIServer, **kwargs) -> OpenAIBackend:
    return OpenAIBackend(server.url, "medqa-merged", image_root=SHARED, **kwargs)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def test_greedy_sample_and_beam_reach_the_server_as_chosen():
    choices = {"greedy": DecodingSettings(), "sample": DecodingSettings("sample", temperature=0.8, top_p=0.95),
               "beam": DecodingSettings("beam", num_beams=3)}
    with FakeOpenAIServer("正常。") as server:
        answers = {name: backend(server).generate([conversation()], s)[0] for name, s in choices.items()}
    greedy, sample, beam = server.requests
    assert answers == {"greedy": "正常。", "sample": "正常。", "beam": "正常。"}  # beam: the first (best) of 3
    for body in (greedy, sample, beam):
        assert body["model"] == "medqa-merged" and body["max_tokens"] == 256
        assert body["repetition_penalty"] == 1.05  # vLLM's extension, in the body's top level
        assert "best_of" not in body
    assert greedy["temperature"] == 0 and greedy.get("n", 1) == 1 and not greedy.get("use_beam_search")
    # Sampling names top_k (-1: all tokens), or the model's generation_config (top_k=1) makes it greedy.
    assert (sample["temperature"], sample["top_p"], sample["top_k"]) == (0.8, 0.95, -1)
    assert sample.get("n", 1) == 1 and not sample.get("use_beam_search")
    # vLLM takes the beam width from n.
    assert beam["use_beam_search"] is True and beam["n"] == 3


def test_a_chosen_top_k_is_sent():
    with FakeOpenAIServer() as server:
        backend(server).generate([conversation()], DecodingSettings("sample", top_k=20))
    assert server.requests[0]["top_k"] == 20


def test_images_are_shrunk_to_the_pixel_budget_before_encoding():
    budget = ImageBudget(max_pixels=448 * 448)
    with FakeOpenAIServer() as server:
        backend(server, budget=budget).generate([conversation()], DecodingSettings())
    system, user = server.requests[0]["messages"]
    assert system["content"][0]["text"] == FMT.system_prompt
    image_part, text_part = user["content"]
    assert text_part == {"type": "text", "text": "这张胸片是否正常？"}
    header, data = image_part["image_url"]["url"].split(",", 1)
    assert header == "data:image/png;base64"
    sent = Image.open(io.BytesIO(base64.b64decode(data)))
    with Image.open(SHARED / FILM) as original:
        assert original.width * original.height > 4 * budget.max_pixels
        assert sent.width / sent.height == pytest.approx(original.width / original.height, rel=0.05)
    assert sent.width * sent.height <= budget.max_pixels and sent.width % 28 == 0 and sent.height % 28 == 0
    assert len(data) < (SHARED / FILM).stat().st_size / 4


def test_streaming_yields_the_growing_answer():
    with FakeOpenAIServer("双肺纹理清晰，未见实变。") as server:
        pieces = list(backend(server).stream(conversation(), DecodingSettings("sample")))
    assert server.requests[0]["stream"] is True and server.requests[0]["top_k"] == -1
    assert pieces[-1] == "双肺纹理清晰，未见实变。" and len(pieces) > 2
    assert all(b.startswith(a) for a, b in zip(pieces, pieces[1:], strict=False))


def test_beam_search_streams_one_finished_answer():
    with FakeOpenAIServer("正常。") as server:
        pieces = list(backend(server).stream(conversation(), DecodingSettings("beam", num_beams=2)))
    assert pieces == ["正常。"]
    assert server.requests[0]["use_beam_search"] is True and not server.requests[0].get("stream")


def test_an_overloaded_server_is_retried():
    with FakeOpenAIServer("正常。", fail_first=2) as server:
        assert backend(server, max_retries=2).generate([conversation()], DecodingSettings()) == ["正常。"]
    assert len(server.requests) == 3


def test_a_server_that_keeps_failing_raises_a_named_error():
    from openai import InternalServerError

    with FakeOpenAIServer(fail_first=10, fail_status=500) as server, pytest.raises(InternalServerError):
        backend(server, max_retries=1).generate([conversation()], DecodingSettings())
    assert len(server.requests) == 2
