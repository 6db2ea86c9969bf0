"""The local backend decodes as the user chose, whatever the checkpoint's generation_config.json says."""


import pytest
import torch
from PIL import Image

from medqa.core.conversation import ConversationFormat
from medqa.core.modeling import load_model
from medqa.serve.decoding import DecodingSettings
from medqa.serve.local import LocalBackend
from tests.helpers.instruct import instruct_like_copy


@pytest.fixture(scope="module")
def instruct_like(tiny_model, tmp_path_factory):
    return LocalBackend(load_model(str(instruct_like_copy(tiny_model, tmp_path_factory.mktemp("instruct") / "m"))))


def answers(backend: LocalBackend, settings: DecodingSettings, seeds=range(4)) -> list[str]:
    conversation = [ConversationFormat().user_turn("这张胸片正常吗？", Image.new("RGB", (56, 56), (120, 120, 120)))]
    out = []
    for seed in seeds:
        torch.manual_seed(seed)
        out.append(backend.generate([conversation], settings)[0])
    return out


def test_sampling_samples_although_the_generation_config_says_top_k_1(instruct_like):
    sampled = answers(instruct_like, DecodingSettings("sample", temperature=1.5, top_p=1.0, max_new_tokens=8))
    assert len(set(sampled)) > 1, sampled


def test_a_chosen_top_k_of_1_is_greedy(instruct_like):
    greedy = answers(instruct_like, DecodingSettings(max_new_tokens=8), seeds=[0])
    top1 = answers(instruct_like, DecodingSettings("sample", temperature=1.5, top_k=1, max_new_tokens=8))
    assert set(top1) == set(greedy)
