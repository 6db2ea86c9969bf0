"""QLoRA on CPU: a 4-bit nf4 language model (vision tower and lm_head kept full), trained and merged."""

import json
import math
from collections import Counter

import pytest
import torch
from safetensors.torch import load_file

import train
from medqa.core import modeling
from medqa.core.modeling import load_model
from medqa.export import main as export_main
from tests.helpers.synthetic import write_blob_dataset


def linear_kinds(model) -> Counter:
    """Counter of (part, class name) for the linear layers: part is language_model, visual or lm_head."""
    kinds = Counter()
    for name, module in model.named_modules():
        if type(module).__name__ in ("Linear", "Linear4bit", "Linear8bitLt"):
            part = next((p for p in ("language_model", "visual", "lm_head") if p in name.split(".")), "other")
            kinds[part, type(module).__name__] += 1
    return kinds


def test_4bit_quantises_only_the_language_model(tiny_model):
    loaded = load_model(str(tiny_model), quantization="4bit")
    kinds = linear_kinds(loaded.model)
    assert kinds["language_model", "Linear4bit"] > 0 and kinds["language_model", "Linear"] == 0
    assert kinds["visual", "Linear"] > 0 and kinds["visual", "Linear4bit"] == 0
    assert kinds["lm_head", "Linear"] == 1 and kinds["lm_head", "Linear4bit"] == 0
    q_proj = loaded.model.model.language_model.layers[0].self_attn.q_proj
    assert q_proj.weight.quant_state.quant_type == "nf4" and q_proj.weight.dtype == torch.uint8


def test_bare_visual_skip_entry_would_quantise_the_vision_tower(tiny_model, monkeypatch):
    """Why QUANT_SKIP_MODULES names "model.visual": a bare "visual" silently matches nothing."""
    monkeypatch.setattr(modeling, "QUANT_SKIP_MODULES", ["visual", "lm_head"])
    kinds = linear_kinds(load_model(str(tiny_model), quantization="4bit").model)
    assert kinds["visual", "Linear4bit"] > 0


@pytest.fixture(scope="module")
def qlora_run(tiny_model, tmp_path_factory):
    data = write_blob_dataset(tmp_path_factory.mktemp("blobs"), n_per_fold=8, folds=2)
    out = tmp_path_factory.mktemp("qlora")
    summary = train.main(["--model", str(tiny_model), "--data", str(data), "--fold", "0", "--output_dir", str(out),
                          "--method", "qlora", "--max_steps", "3", "--learning_rate", "1e-2", "--lora_r", "8",
                          "--per_device_train_batch_size", "2", "--gradient_accumulation_steps", "1",
                          "--save_steps", "1000", "--report_to", "none"])
    return summary, out


def test_qlora_trains_on_cpu(qlora_run):
    summary, out = qlora_run
    assert summary["global_step"] == 3 and math.isfinite(summary["train_loss"])
    losses = [json.loads(line)["loss"] for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses)
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 8
    lora_b = [t for k, t in load_file(out / "adapter_model.safetensors").items() if "lora_B" in k]
    assert lora_b and any(t.abs().sum() > 0 for t in lora_b), "B starts at zero: training must have moved it"

    with_adapter = load_model(adapter=str(out), quantization="4bit")  # reloads the way evaluation does
    q_proj = with_adapter.model.base_model.model.model.language_model.layers[0].self_attn.q_proj
    assert type(q_proj.base_layer).__module__.startswith("bitsandbytes") and "default" in q_proj.lora_A
    with torch.no_grad():
        assert torch.isfinite(with_adapter.model(input_ids=torch.tensor([[1, 5, 9, 42]])).logits).all()


def test_qlora_adapter_merges_into_unquantised_base(qlora_run, tmp_path):
    _, adapter = qlora_run
    assert export_main(["merge", str(adapter), str(tmp_path / "merged"), "--dtype", "float32"]) == 0
    merged = load_model(str(tmp_path / "merged"), dtype=torch.float32)
    assert "quantization_config" not in json.loads((tmp_path / "merged" / "config.json").read_text())
    assert not any(name.endswith("4bit") for _, name in linear_kinds(merged.model))
    reference = load_model(adapter=str(adapter), dtype=torch.float32)  # bf16/fp32 base + adapter, unmerged
    ids = torch.tensor([[1, 5, 9, 42, 7, 300]])
    with torch.no_grad():
        assert torch.allclose(merged.model(input_ids=ids).logits, reference.model(input_ids=ids).logits, atol=1e-4)
