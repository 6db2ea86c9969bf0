"""Exports of medqa records to the formats other fine-tuning tools read, ready to use as each tool documents it.

    exports/
      export.json                which image root the exports assume, and what each file is for
      sharegpt/                  LLaMA-Factory (formatting sharegpt, template qwen2_vl); ms-swift reads it too
        dataset_info.json        medqa_fold_K (fold K alone) and medqa_train_not_K (every fold but K)
        fold_K.json, train_not_K.json
        llamafactory_fold_K.yaml a ready `llamafactory-cli train` config: dataset_dir and media_dir set
      qwen_vl/                   Qwen-VL v1's finetune.py, which takes one --data_path
        fold_K.json, train_not_K.json
      hf/                        `datasets` / TRL: Parquet with the images' bytes and the system prompt
        fold_K.parquet, README.md  (medqa.data.hf_export)

Image paths: LLaMA-Factory joins each path to `media_dir` (the YAML sets it to the image root)
and ms-swift to `ROOT_IMAGE_DIR`, so the sharegpt files keep paths relative to the image root
and survive a move of the images. Qwen-VL v1 opens `<img>` paths from its working folder, so
its files hold absolute paths. Without an image root (a build without --images-dir) the files
keep the record's paths and `export.json` says they are not ready; `python -m medqa.data export
DIR --image-root ROOT` writes them again for the folder the images are in.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from medqa.core.conversation import ConversationFormat, message_images, message_text, record_images, record_messages
from medqa.core.files import write_atomic
from medqa.core.imaging import resolve_image_path
from medqa.data.hf_export import write_hf_export

log = logging.getLogger("medqa.data")

EXPORT_META = "export.json"
# Qwen-VL v1's tokenizer packs the <img> path's UTF-8 bytes into 256 image-pad tokens.
QWEN_VL_MAX_PATH_BYTES = 256
# The paper's recipe (the same defaults as train.py), for the LLaMA-Factory YAML.
PAPER_RECIPE = {"cutoff_len": 1800, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 8,
                "learning_rate": 1.0e-5, "lr_scheduler_type": "cosine", "optim": "adamw_torch",
                "lora_rank": 64, "lora_alpha": 16, "lora_dropout": 0.05}


# ms-swift 4.6.0's names for the same recipe (swift/arguments: tuner_args.py, template_args.py and the
# transformers TrainingArguments it extends); freeze_vit and all-linear put LoRA on the language model only.
SWIFT_RECIPE = {"tuner_type": "lora", "lora_rank": PAPER_RECIPE["lora_rank"], "lora_alpha": PAPER_RECIPE["lora_alpha"],
                "lora_dropout": PAPER_RECIPE["lora_dropout"], "target_modules": "all-linear", "freeze_vit": "true",
                "max_length": PAPER_RECIPE["cutoff_len"],
                **{key: PAPER_RECIPE[key] for key in ("per_device_train_batch_size", "gradient_accumulation_steps",
                                                      "learning_rate", "lr_scheduler_type", "optim")},
                "warmup_ratio": 0.03, "num_train_epochs": 3, "torch_dtype": "bfloat16"}
# ms-swift's template per model family (a local model folder does not say which it is).
SWIFT_TEMPLATES = (("qwen3-vl", "qwen3_vl"), ("qwen3_vl", "qwen3_vl"), ("qwen2.5-vl", "qwen2_5_vl"),
                   ("qwen2_5_vl", "qwen2_5_vl"), ("qwen2-vl", "qwen2_vl"), ("qwen2_vl", "qwen2_vl"))


class ExportError(ValueError):
    """A record that no tool could read as exported; the message names the record and the path."""


def to_qwen_vl(record: dict, image_root: str | Path | None = None) -> dict:
    """One record in the Qwen-VL v1 finetuning format; with `image_root`, image paths are absolute."""
    messages = record_messages(record)
    images = [_absolute(i, image_root, record) if image_root else str(i) for i in message_images(messages)]
    conversations = []
    for i, message in enumerate(messages):
        value = message_text(message)
        if i == 0 and images:
            value = "".join(f"Picture {n}: <img>{path}</img>\n" for n, path in enumerate(images, 1)) + value
        conversations.append({"from": message["role"], "value": value})
    return {"id": record["id"], "conversations": conversations}


def to_sharegpt(record: dict, fmt: ConversationFormat | None = None) -> dict:
    """One record in LLaMA-Factory's sharegpt format (role/content tags, `<image>` placeholders, `images`)."""
    fmt = fmt or ConversationFormat()
    messages, filled = [], record_messages(record)
    for message in filled:
        n_images = len(message_images([message]))
        messages.append({"role": message["role"], "content": "<image>" * n_images + message_text(message)})
    return {"id": record["id"], "system": fmt.system_prompt, "messages": messages, "images": message_images(filled)}


def _absolute(image, image_root, record: dict) -> str:
    path = str(resolve_image_path(image, image_root).resolve())
    if len(path.encode("utf-8")) > QWEN_VL_MAX_PATH_BYTES:
        raise ExportError(f"record {record.get('id')}: image path {path} is over Qwen-VL's "
                          f"{QWEN_VL_MAX_PATH_BYTES}-byte limit for <img> paths; move the images to a shorter path")
    return path


def missing_images(folds: dict[int, list[dict]], image_root: str | Path) -> list[tuple[str, Path]]:
    """(record id, path) for every image of every record that is not a file under `image_root`."""
    return [(r.get("id"), resolve_image_path(i, image_root)) for records in folds.values() for r in records
            for i in record_images(r) if not resolve_image_path(i, image_root).is_file()]


def write_exports(folds: dict[int, list[dict]], out_dir: Path, fmt: ConversationFormat,
                  image_root: str | Path | None = None, base_model: str = "Qwen/Qwen2.5-VL-7B-Instruct",
                  max_pixels: int = 448 * 448, final_dir: Path | None = None) -> list[Path]:
    """Write every export under `out_dir/exports` for images under `image_root`; returns the files written.

    `final_dir`: where the dataset will be once complete, when it is written elsewhere first (the build
    writes beside --out, then moves the folder): the paths inside the exports name that place.

    A record whose image is not a file under `image_root` is left out of every export (an export
    that sends a training run to a missing file is worse than none); `export.json` names each one.
    If no image is there at all, the root is wrong: ExportError.
    """
    out_dir = Path(out_dir)
    root = Path(image_root).resolve() if image_root else None
    missing = missing_images(folds, root) if root is not None else []
    if missing:
        n_images = sum(len(record_images(r)) for records in folds.values() for r in records)
        if len(missing) == n_images:
            raise ExportError(f"none of the {n_images} images is under the image root {root} (e.g. "
                              f"{missing[0][1]}): give the folder the dataset's image paths are relative to")
        log.warning("%d record(s) left out of the exports: image not under %s (listed in exports/%s)",
                    len(missing), root, EXPORT_META)
        gone = {record_id for record_id, _ in missing}
        folds = {k: [r for r in records if r.get("id") not in gone] for k, records in folds.items()}
    share_dir, qwen_dir = out_dir / "exports" / "sharegpt", out_dir / "exports" / "qwen_vl"
    written = []
    for k in sorted(folds):
        others = [r for j in sorted(folds) if j != k for r in folds[j]]
        for name, records in ((f"fold_{k}", folds[k]), (f"train_not_{k}", others)):
            written.append(_write_json(share_dir / f"{name}.json", [to_sharegpt(r, fmt) for r in records]))
            written.append(_write_json(qwen_dir / f"{name}.json", [to_qwen_vl(r, root) for r in records]))
        config = share_dir / f"llamafactory_fold_{k}.yaml"
        if root is not None and folds[k]:
            final_share = Path(final_dir or out_dir) / "exports" / "sharegpt"
            written.append(write_atomic(config, llamafactory_yaml(k, final_share, root, base_model, max_pixels)))
        else:  # no images to find, or no fold to hold out: an older config would now mislead
            config.unlink(missing_ok=True)
    written.append(_write_json(share_dir / "dataset_info.json", dataset_info(sorted(folds))))
    written.extend(write_hf_export(folds, out_dir, fmt, root))
    final_share = (Path(final_dir or out_dir) / "exports" / "sharegpt").resolve()
    written.append(_write_json(out_dir / "exports" / EXPORT_META, _export_meta(sorted(folds), root, missing,
                                                                                final_share, base_model, max_pixels)))
    if root is None:
        log.warning("exports written without an image root: give --image-root to `python -m medqa.data export` "
                    "so LLaMA-Factory, ms-swift and Qwen-VL find the images")
    return written


def dataset_info(folds: list[int]) -> dict:
    """LLaMA-Factory's dataset_info.json: each fold alone, and each 'all folds but K' training set."""
    entry = {"formatting": "sharegpt",
             "columns": {"messages": "messages", "images": "images", "system": "system"},
             "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}}
    info = {}
    for k in folds:
        info[f"medqa_fold_{k}"] = {"file_name": f"fold_{k}.json", **entry}
        info[f"medqa_train_not_{k}"] = {"file_name": f"train_not_{k}.json", **entry}
    return info


def llamafactory_yaml(k: int, dataset_dir: Path, image_root: Path, base_model: str, max_pixels: int) -> str:
    """A `llamafactory-cli train` config: LoRA on every fold but K, fold K for evaluation, the paper's recipe."""
    import yaml

    config = {
        "model_name_or_path": base_model, "image_max_pixels": max_pixels,
        "stage": "sft", "do_train": True, "finetuning_type": "lora", "lora_target": "all",
        "freeze_vision_tower": True,
        "dataset_dir": str(Path(dataset_dir).resolve()), "media_dir": str(image_root),
        "dataset": f"medqa_train_not_{k}", "eval_dataset": f"medqa_fold_{k}", "template": "qwen2_vl",
        "output_dir": f"saves/medqa-lora-fold{k}", "num_train_epochs": 3.0, "warmup_ratio": 0.03,
        "logging_steps": 10, "save_steps": 500, "eval_strategy": "steps", "eval_steps": 500,
        "per_device_eval_batch_size": 2, "bf16": True,
        "report_to": "none", **PAPER_RECIPE,
    }
    header = (f"# medqa fold {k}: LoRA on folds other than {k}, evaluated on fold {k}.\n"
              f"# Run: llamafactory-cli train {Path(dataset_dir).resolve() / f'llamafactory_fold_{k}.yaml'}\n"
              "# media_dir is the folder the image paths in the dataset files are relative to.\n")
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def swift_command(k: int, dataset_dir: str | Path, image_root: str | Path, base_model: str, max_pixels: int) -> str:
    """The `swift sft` command (ms-swift 4.6.0) that trains fold K's LoRA with the paper's recipe, as one line."""
    template = next((t for key, t in SWIFT_TEMPLATES if key in str(base_model).lower()), "qwen2_5_vl")
    options = {"model": base_model, "template": template, **SWIFT_RECIPE,
               "dataset": f"{dataset_dir}/train_not_{k}.json", "val_dataset": f"{dataset_dir}/fold_{k}.json",
               "output_dir": f"saves/swift-lora-fold{k}"}
    return (f"ROOT_IMAGE_DIR={image_root} MAX_PIXELS={max_pixels} swift sft "
            + " ".join(f"--{key} {value}" for key, value in options.items()))


def _export_meta(folds: list[int], root: Path | None, missing: list[tuple[str, Path]], final_share: Path,
                 base_model: str, max_pixels: int) -> dict:
    return {
        "image_root": str(root) if root else None,
        "ready": root is not None,
        "sharegpt": {"images": "relative to image_root", "llamafactory": "dataset_info.json; llamafactory_fold_K.yaml "
                     "sets dataset_dir and media_dir",
                     "ms_swift": {f"fold_{k}": swift_command(k, final_share, root, base_model, max_pixels)
                                  for k in folds} if root else "no image root: write the exports again with one"},
        "hf": "hf/fold_K.parquet: load_dataset(exports/hf), images as bytes, system prompt in every conversation"
              if root else "not written: no image root",
        "qwen_vl": {"images": "absolute" if root else "as in the records (no image root known)",
                    "finetune.py": "--data_path qwen_vl/train_not_K.json --eval_data_path qwen_vl/fold_K.json"},
        "folds": folds,
        "left_out": [f"{record_id}: {path}" for record_id, path in missing],
    }


def _write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))
