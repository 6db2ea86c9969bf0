"""Exports to Qwen-VL v1, LLaMA-Factory sharegpt and ms-swift: exact round trips, and images every tool finds.

The real tools run outside the suite (tools/ecosystem/run.sh installs them); here the rules by
which each resolves an image path, read from their source, are applied to the written files.
"""

import json
import logging
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image

from medqa.core.conversation import ConversationFormat
from medqa.data.cli import main
from medqa.data.export import ExportError, to_qwen_vl, to_sharegpt
from tests.helpers.exports import from_qwen_vl, from_sharegpt

FMT = ConversationFormat()
RECORD = {"id": "54_IM-2145-1001", "images": ["imgs/CXR54_IM-2145-1001.png"],
          "messages": FMT.conversation([("这是正位片还是侧位片？", "这是正位（后前位）胸片。"),
                                        ("有没有气胸？", "没有。报告未见气胸。")])}


def test_qwen_vl_v1_layout_and_round_trip():
    item = to_qwen_vl(RECORD)
    assert item == {"id": "54_IM-2145-1001", "conversations": [
        {"from": "user", "value": "Picture 1: <img>imgs/CXR54_IM-2145-1001.png</img>\n这是正位片还是侧位片？"},
        {"from": "assistant", "value": "这是正位（后前位）胸片。"},
        {"from": "user", "value": "有没有气胸？"},
        {"from": "assistant", "value": "没有。报告未见气胸。"}]}
    assert from_qwen_vl(item) == RECORD


def test_sharegpt_layout_and_round_trip():
    item = to_sharegpt(RECORD, FMT)
    assert item["images"] == ["imgs/CXR54_IM-2145-1001.png"]
    assert item["system"] == FMT.system_prompt
    assert [m["content"] for m in item["messages"]] == [
        "<image>这是正位片还是侧位片？", "这是正位（后前位）胸片。", "有没有气胸？", "没有。报告未见气胸。"]
    assert from_sharegpt(item) == RECORD


# -- every export, written for the real images in ../shared, as each tool reads it ------------------
# LLaMA-Factory 0.9.5 (data/converter.py): a local file's image path p is used as os.path.join(media_dir, p)
# when that is a file, else as p; media_dir defaults to dataset_dir. ms-swift 4.x (template/vision_utils.py):
# p as it is when it exists, else os.path.join(ROOT_IMAGE_DIR, p). Qwen-VL v1 (finetune.py + its tokenizer):
# one JSON list from --data_path, `<img>p</img>` opened from the working folder, p at most 256 bytes.
@pytest.fixture(scope="module")
def exported(openi_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("exported") / "data"
    level = logging.getLogger("medqa").level
    logging.getLogger("medqa").setLevel(logging.ERROR)  # thousands of 'image missing' skips
    try:
        assert main(["build", "--reports", str(openi_dir / "indiana_reports.csv"), "--images-dir",
                     str(openi_dir / "images"), "--out", str(out), "--folds", "3"]) == 0
    finally:
        logging.getLogger("medqa").setLevel(level)
    folds = {k: [json.loads(line) for line in (out / f"fold_{k}.jsonl").open(encoding="utf-8")] for k in range(3)}
    return out, folds


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_llamafactory_yaml_entries_and_media_dir_find_every_image(exported, openi_dir):
    out, folds = exported
    share = out / "exports" / "sharegpt"
    info = read(share / "dataset_info.json")
    assert set(info) == {f"medqa_{kind}_{k}" for kind in ("fold", "train_not") for k in range(3)}
    for k in range(3):
        config = yaml.safe_load((share / f"llamafactory_fold_{k}.yaml").read_text(encoding="utf-8"))
        assert config["template"] == "qwen2_vl" and config["dataset_dir"] == str(share)
        assert config["media_dir"] == str((openi_dir / "images").resolve())
        expected = {"dataset": [r["id"] for j in range(3) if j != k for r in folds[j]],
                    "eval_dataset": [r["id"] for r in folds[k]]}
        for key, ids in expected.items():
            entry = info[config[key]]
            assert entry["formatting"] == "sharegpt" and entry["columns"]["images"] == "images"
            items = read(Path(config["dataset_dir"]) / entry["file_name"])
            assert [item["id"] for item in items] == ids
            for item in items:
                paths = [os.path.join(config["media_dir"], p) for p in item["images"]]
                assert paths and all(os.path.isfile(p) for p in paths)
                assert sum(m["content"].count("<image>") for m in item["messages"]) == len(item["images"])
                assert [m["role"] for m in item["messages"]] == ["user", "assistant"] * (len(item["messages"]) // 2)
    meta = read(out / "exports" / "export.json")
    assert meta["image_root"] == str((openi_dir / "images").resolve()) and meta["ready"] and not meta["left_out"]


def test_ms_swift_finds_every_image_under_root_image_dir(exported):
    out, _ = exported
    root = read(out / "exports" / "export.json")["image_root"]
    for path in (out / "exports" / "sharegpt").glob("*.json"):
        if path.name != "dataset_info.json":
            assert all(os.path.isfile(os.path.join(root, p)) for item in read(path) for p in item["images"])


def test_qwen_vl_files_open_from_any_folder_and_match_finetune_py(exported, tmp_path, monkeypatch):
    out, folds = exported
    monkeypatch.chdir(tmp_path)  # finetune.py opens the <img> paths from wherever it runs
    for k in range(3):
        train = read(out / "exports" / "qwen_vl" / f"train_not_{k}.json")
        assert [item["id"] for item in train] == [r["id"] for j in range(3) if j != k for r in folds[j]]
        for item in train + read(out / "exports" / "qwen_vl" / f"fold_{k}.json"):
            turns = item["conversations"]
            assert [t["from"] for t in turns] == ["user", "assistant"] * (len(turns) // 2)
            paths = re.findall(r"<img>(.*?)</img>", turns[0]["value"])
            assert len(paths) == 1 and not any("<img>" in t["value"] for t in turns[1:])
            assert len(paths[0].encode()) <= 256
            with Image.open(paths[0]) as image:
                assert image.size


def test_export_command_rewrites_for_a_moved_image_folder(exported, openi_dir, tmp_path, capsys):
    out, _ = exported
    moved = tmp_path / "moved"
    shutil.copytree(openi_dir / "images", moved)
    (moved / "iu_xray" / "openi_png" / "CXR54_IM-2145-1002.png").unlink()
    assert main(["export", str(out), "--image-root", str(moved)]) == 0
    meta = read(out / "exports" / "export.json")
    assert meta["image_root"] == str(moved.resolve())
    assert [m.split(":")[0] for m in meta["left_out"]] == ["CXR54_IM-2145-1002"]  # left out, named
    config = yaml.safe_load((out / "exports" / "sharegpt" / "llamafactory_fold_0.yaml").read_text(encoding="utf-8"))
    assert config["media_dir"] == str(moved.resolve())
    qwen = [item for k in range(3) for item in read(out / "exports" / "qwen_vl" / f"fold_{k}.json")]
    assert len(qwen) == 5 and all(str(moved.resolve()) in item["conversations"][0]["value"] for item in qwen)
    # A folder without the images is a clear error that changes nothing.
    assert main(["export", str(out), "--image-root", str(tmp_path / "empty")]) == 2
    assert "none of the 6 images is under the image root" in capsys.readouterr().err
    assert read(out / "exports" / "export.json")["image_root"] == str(moved.resolve())
    assert main(["export", str(out), "--image-root", str(openi_dir / "images")]) == 0  # as the build left it


def test_a_qwen_vl_path_over_256_bytes_is_a_named_error(tmp_path):
    deep = tmp_path / ("x" * 120) / ("y" * 120)
    with pytest.raises(ExportError, match="54_IM-2145-1001.*256-byte limit"):
        to_qwen_vl(RECORD, deep)


def test_the_hf_export_loads_anywhere_with_its_images_and_goes_straight_into_a_processor(exported, tiny_model,
                                                                                         tmp_path):
    """exports/hf copied away from every image folder: `load_dataset` gives the films themselves and the system
    prompt, and a processor takes the rows as they are."""
    import numpy as np
    from datasets import load_dataset
    from transformers import AutoProcessor

    out, folds = exported
    copy = shutil.copytree(out / "exports" / "hf", tmp_path / "elsewhere")
    ds = load_dataset(str(copy), cache_dir=str(tmp_path / "cache"))
    assert sorted(ds) == [f"fold_{k}" for k in range(3) if folds[k]]
    root = Path(read(out / "exports" / "export.json")["image_root"])
    processor = AutoProcessor.from_pretrained(tiny_model)
    pad = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    for split in ds:
        records = folds[int(split.removeprefix("fold_"))]
        assert ds[split]["id"] == [r["id"] for r in records]
        for row, record in zip(ds[split], records, strict=True):
            assert row["messages"][0] == {"role": "system", "content": [{"type": "text", "text": FMT.system_prompt}]}
            assert [m["role"] for m in row["messages"][1:]] == [m["role"] for m in record["messages"]]
            with Image.open(root / record["images"][0]) as original:
                assert np.array_equal(np.asarray(row["images"][0]), np.asarray(original))
            text = processor.apply_chat_template(row["messages"], tokenize=False)
            assert FMT.system_prompt in text and "You are a helpful assistant" not in text
            inputs = processor(text=[text], images=row["images"], return_tensors="pt")
            assert int((inputs["input_ids"] == pad).sum()) > 0 and text.count("<|vision_start|>") == 1


def number(text: str):
    """A command-line value as the number it is, else the text (YAML 1.1 reads 1e-05 as text)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def test_the_ms_swift_command_carries_the_recipe_of_the_llamafactory_yaml_and_the_readme_shows_it(exported):
    from medqa.data.export import swift_command

    out, _ = exported
    meta = read(out / "exports" / "export.json")
    command = meta["sharegpt"]["ms_swift"]["fold_0"]
    env, _, args = command.partition(" swift sft ")
    options = dict(zip(args.split()[::2], args.split()[1::2], strict=True))
    assert env == f"ROOT_IMAGE_DIR={meta['image_root']} MAX_PIXELS=200704"
    assert options["--tuner_type"] == "lora" and options["--template"] == "qwen2_5_vl"  # ms-swift 4.6.0's names
    share = out / "exports" / "sharegpt"
    assert options["--dataset"] == str(share / "train_not_0.json") and Path(options["--val_dataset"]).is_file()
    lf = yaml.safe_load((share / "llamafactory_fold_0.yaml").read_text(encoding="utf-8"))
    same = {"lora_rank": "lora_rank", "lora_alpha": "lora_alpha", "lora_dropout": "lora_dropout",
            "learning_rate": "learning_rate", "cutoff_len": "max_length", "lr_scheduler_type": "lr_scheduler_type",
            "per_device_train_batch_size": "per_device_train_batch_size", "optim": "optim",
            "gradient_accumulation_steps": "gradient_accumulation_steps", "num_train_epochs": "num_train_epochs",
            "warmup_ratio": "warmup_ratio"}
    for lf_key, swift_key in same.items():
        assert number(options[f"--{swift_key}"]) == lf[lf_key], swift_key
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").replace("\\\n    ", "")
    assert swift_command(0, "data/openi-zh-img/exports/sharegpt", "$PWD/../shared/data/openi/images",
                         "Qwen/Qwen2.5-VL-7B-Instruct", 200704) in readme
