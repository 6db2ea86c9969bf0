"""The dataset card makes the folder a Hugging Face dataset: `load_dataset(DIR)` gives one split per fold.

This runs under the installed `datasets` (5.x); tools/ecosystem/run.sh repeats the load under
`datasets` 4.0 (LLaMA-Factory's pin), where content parts come back with null keys.
"""

import json
import logging

import pytest
from datasets import load_dataset
from huggingface_hub import DatasetCard
from transformers import AutoTokenizer

from medqa.data.cli import main


@pytest.fixture(scope="module")
def built(openi_dir, tmp_path_factory):
    """The six conversations that have images in ../shared, in 5 folds (fold 4 is empty) and in 2."""
    out = {}
    level = logging.getLogger("medqa").level
    logging.getLogger("medqa").setLevel(logging.ERROR)  # thousands of 'image missing' skips
    try:
        for folds in (5, 2):
            out[folds] = tmp_path_factory.mktemp(f"card{folds}") / "data"
            assert main(["build", "--reports", str(openi_dir / "indiana_reports.csv"), "--images-dir",
                         str(openi_dir / "images"), "--out", str(out[folds]), "--folds", str(folds)]) == 0
    finally:
        logging.getLogger("medqa").setLevel(level)
    return out


def fold_records(folder, k):
    return [json.loads(line) for line in (folder / f"fold_{k}.jsonl").open(encoding="utf-8")]


def test_card_front_matter_parses(built):
    data = DatasetCard.load(built[5] / "README.md").data
    assert data.license == "cc-by-nc-nd-4.0" and data.language == ["zh"]
    assert data.task_categories == ["visual-question-answering"]
    (config,) = data.configs
    assert config["data_files"] == [{"split": f"fold_{k}", "path": f"fold_{k}.jsonl"} for k in range(4)]
    assert "Fold(s) 4 have no records" in (built[5] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("n_folds", [5, 2])
def test_load_dataset_dir_gives_one_split_per_fold(built, n_folds, tmp_path):
    folder = built[n_folds]
    ds = load_dataset(str(folder), cache_dir=str(tmp_path))  # dataset.json and exports/ beside the folds
    non_empty = [k for k in range(n_folds) if fold_records(folder, k)]
    assert sorted(ds) == [f"fold_{k}" for k in non_empty]
    first = ds[f"fold_{non_empty[0]}"].features
    assert all(ds[split].features == first for split in ds)
    for k in non_empty:
        assert [row["id"] for row in ds[f"fold_{k}"]] == [r["id"] for r in fold_records(folder, k)]


def test_a_stock_qwen_chat_template_renders_loaded_rows(built, tiny_model, tmp_path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)  # its chat template is Qwen2-VL's, unchanged
    ds = load_dataset(str(built[2]), cache_dir=str(tmp_path))
    for split in ds:
        for row in ds[split]:
            text = tokenizer.apply_chat_template(row["messages"], tokenize=False)
            assert text.count("<|vision_start|>") == len(row["images"]) == 1
            for message in row["messages"]:
                for part in message["content"]:
                    if part["type"] == "text":
                        assert part["text"] in text
