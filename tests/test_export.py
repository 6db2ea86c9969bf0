"""medqa.export merge: the merged checkpoint answers exactly like base + adapter, and loads everywhere."""

import json
import shutil

import pytest
import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import load_file
from transformers import AutoModelForImageTextToText, AutoProcessor

from medqa.core.conversation import ConversationFormat, record_messages
from medqa.core.modeling import ImageBudget, load_model
from medqa.export import main, serve_command
from medqa.train.collate import SampleEncoder, pad_collate, rope_index_fn
from medqa.train.config import LORA_TARGET
from tests.helpers.scoring import score_answers
from tests.helpers.synthetic import ANSWERS, QUESTION, write_blob_dataset

FMT = ConversationFormat(system_prompt="你是测试用的放射科助手。")
BUDGET = ImageBudget(56 * 56, 112 * 112)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_blob_dataset(tmp_path_factory.mktemp("blobs"), n_per_fold=2, folds=1)


@pytest.fixture(scope="module")
def adapter(tiny_model, tmp_path_factory):
    """A LoRA adapter with random (nonzero) B weights, saved with the files training writes beside it."""
    out = tmp_path_factory.mktemp("adapter")
    loaded = load_model(str(tiny_model), dtype=torch.float32, budget=BUDGET)
    torch.manual_seed(0)
    config = LoraConfig(r=8, lora_alpha=16, target_modules=LORA_TARGET, init_lora_weights=False, task_type="CAUSAL_LM")
    get_peft_model(loaded.model, config).save_pretrained(out)
    loaded.processor.save_pretrained(out)
    FMT.save(out)
    BUDGET.save(out, str(tiny_model))
    return out


@pytest.fixture(scope="module")
def merged(adapter, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "merged"
    assert main(["merge", str(adapter), str(out), "--dtype", "float32"]) == 0
    return out


def first_question(data):
    """The user turn (blob film + question) of the dataset's first record with a blob."""
    record = json.loads((data / "fold_0.jsonl").read_text(encoding="utf-8").splitlines()[1])
    return record_messages(record)[:1]


@torch.no_grad()
def logits(loaded, messages, image_root):
    encoder = SampleEncoder(loaded.processor, loaded.fmt, image_root, 10**9, rope_index_fn(loaded.model))
    sample = encoder({"messages": [*messages, loaded.fmt.assistant_turn(ANSWERS[1])]})
    batch = pad_collate([sample], loaded.tokenizer.pad_token_id)
    batch.pop("labels")
    return loaded.model.eval()(**batch, use_cache=False).logits.float()


def test_merged_model_matches_adapter(tiny_model, adapter, merged, data):
    messages, root = first_question(data), data
    base = load_model(str(tiny_model), dtype=torch.float32, budget=BUDGET)
    base.fmt = FMT  # the same prompt, so only the weights differ
    with_adapter = load_model(adapter=str(adapter), dtype=torch.float32)
    out = load_model(str(merged), dtype=torch.float32)
    assert QUESTION in messages[0]["content"][1]["text"]
    assert out.fmt == with_adapter.fmt == FMT and out.budget == with_adapter.budget == BUDGET
    assert type(out.model).__name__ == type(base.model).__name__  # a plain model, no peft wrapper
    assert not any("lora_" in n for n, _ in out.model.named_parameters())

    ref, got, orig = (logits(m, messages, root) for m in (with_adapter, out, base))
    assert not torch.allclose(ref, orig, atol=1e-2), "the adapter must change the outputs"
    assert torch.allclose(got, ref, atol=1e-4), (got - ref).abs().max()
    scores = [score_answers(m, messages, ANSWERS, root) for m in (with_adapter, out)]
    assert scores[0] == pytest.approx(scores[1], abs=1e-3)
    assert sorted(range(2), key=scores[0].__getitem__) == sorted(range(2), key=scores[1].__getitem__)


def test_merged_folder_loads_with_transformers(merged):
    processor = AutoProcessor.from_pretrained(merged)
    model = AutoModelForImageTextToText.from_pretrained(merged)
    assert processor.chat_template and model.config.model_type == "qwen2_5_vl"
    assert processor.image_processor.size == {"shortest_edge": BUDGET.min_pixels, "longest_edge": BUDGET.max_pixels}
    assert list(merged.glob("*.safetensors")) and not (merged / "adapter_config.json").exists()
    # How this process loaded the tokenizer is not the folder's business: a copy elsewhere must not stay offline.
    tokenizer_config = json.loads((merged / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert not {"is_local", "local_files_only"} & tokenizer_config.keys()


def test_bfloat16_is_the_default(adapter, tmp_path, capsys):
    assert main(["merge", str(adapter), str(tmp_path / "bf16")]) == 0
    weights = load_file(tmp_path / "bf16" / "model.safetensors")
    assert {t.dtype for t in weights.values() if t.is_floating_point()} == {torch.bfloat16}
    assert serve_command(tmp_path / "bf16") in capsys.readouterr().out


def test_errors(tiny_model, adapter, merged, tmp_path, capsys):
    def error(*argv):
        assert main(["merge", *map(str, argv)]) == 2
        return capsys.readouterr().err

    assert "does not exist" in error(tmp_path / "missing", tmp_path / "o1")
    (tmp_path / "not_adapter").mkdir()
    assert "no adapter_config.json" in error(tmp_path / "not_adapter", tmp_path / "o2")
    assert "not empty" in error(adapter, merged) and "--overwrite" in error(adapter, merged)
    assert "is the input" in error(adapter, adapter, "--overwrite")

    quantized = tmp_path / "base-bnb-4bit"  # a base saved quantised, as for a QLoRA run's 4-bit checkpoint
    shutil.copytree(tiny_model, quantized)
    config = json.loads((quantized / "config.json").read_text())
    config["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_4bit": True}
    (quantized / "config.json").write_text(json.dumps(config))
    message = error(adapter, tmp_path / "o3", "--model", quantized)
    assert "quantised" in message and "lossy" in message and not (tmp_path / "o3").exists()


def test_overwrite_replaces_weights(adapter, tmp_path):
    out = tmp_path / "again"
    out.mkdir()
    (out / "model-00001-of-00002.safetensors").write_bytes(b"stale")
    assert main(["merge", str(adapter), str(out), "--dtype", "float32", "--overwrite"]) == 0
    assert [p.name for p in out.glob("*.safetensors")] == ["model.safetensors"]
    load_model(str(out))


def test_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["merge", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "QLoRA" in text and "--dtype" in text and "--overwrite" in text
