"""k-fold evaluation: per-turn answers from models or baselines, scored, tabulated like the paper's Table II.

Every assistant turn of every record is one item. Its prompt is the conversation up to that
user turn with the *reference* earlier answers (teacher forcing, as the paper's per-question
evaluation); the prediction is scored against that turn's reference answer.

A run, per model and fold, writes `OUT/predictions/<model>/fold_K.jsonl` as it goes (one row per
item, flushed, keyed by record id + turn), so a killed run resumes where it stopped. A sample
that fails (a corrupt image, an endpoint error) becomes an error row `{"error": "..."}`, is
counted, and is scored as an empty prediction (0 for it). Metrics are computed per fold, then
mean ± sample sd across folds, into `OUT/results.json` (merged with the models already there)
and `OUT/results.md`.

Baselines (`baseline:majority`, `baseline:retrieval`, see medqa.baselines) need no GPU; they are
fitted per evaluated fold on the dataset's other folds.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch

from medqa.baselines import MajorityBaseline, RetrievalBaseline, Thumbnails
from medqa.conversation import ConversationFormat, message_images, message_text
from medqa.data.folds import load_dataset_meta, read_folds
from medqa.data.split import parse_folds
from medqa.files import write_atomic
from medqa.generation import DecodingSettings, LocalBackend, OpenAIBackend
from medqa.metrics import bleu4, finding_f1, rouge
from medqa.modeling import load_model

log = logging.getLogger("medqa.evaluation")
MAIN_KEYS = ("rouge1", "rouge2", "rougeL", "finding_f1")
COLUMNS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "finding_f1": "Finding F1", "bleu4": "BLEU-4"}
# The paper's Table II row for its fine-tuned Qwen-VL (its own data and tokenisation: a landmark, not a peer).
PAPER_ROW = ("Qwen-VL 7B — paper (reported)", {"rouge1": 0.6147, "rouge2": 0.3535, "rougeL": 0.5796})
BASELINES = ("majority", "retrieval")
RUN_KEYS = ("data", "limit", "tokenizer")  # what must match for two runs' folds to share a table row


class EvaluationError(RuntimeError):
    """A run that cannot go on or cannot be trusted; the message says what to do."""


# -- items --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalItem:
    """One assistant turn to predict: its teacher-forced prompt and its reference answer."""

    key: str  # "<record id>#<turn>", the resume key
    record_id: str
    turn: int
    qtype: str
    question: str
    reference: str
    prompt: list = field(repr=False)
    image: str | None = None


def build_items(records: Sequence[dict], where: str = "dataset") -> list[EvalItem]:
    """One item per assistant turn; a record without id/messages, or a turn not after a question, is an error."""
    items, seen = [], set()
    for n, record in enumerate(records):
        rid, messages = record.get("id"), record.get("messages")
        if not rid or not isinstance(messages, list):
            raise ValueError(f"{where}, record {n + 1}: a record needs an 'id' and a 'messages' list")
        if rid in seen:
            raise ValueError(f"{where}: record id {rid!r} appears twice; ids key the saved predictions")
        seen.add(rid)
        qtypes, images = record.get("qtypes") or [], message_images(messages)
        for j, message in enumerate(messages):
            if message.get("role") != "assistant":
                continue
            turn = sum(m.get("role") == "assistant" for m in messages[:j])
            if j == 0 or messages[j - 1].get("role") != "user":
                raise ValueError(f"{where}, record {rid}: answer {turn} does not follow a user question")
            items.append(EvalItem(f"{rid}#{turn}", rid, turn, qtypes[turn] if turn < len(qtypes) else "unknown",
                                  message_text(messages[j - 1]), message_text(message), messages[:j],
                                  record.get("image") or (images[0] if images else None)))
    return items


# -- predictors --------------------------------------------------------------------------------
class Predictor(Protocol):
    def predict(self, items: Sequence[EvalItem]) -> list[str]: ...


class ModelPredictor:
    """A generation backend (`LocalBackend` / `OpenAIBackend`, the demo's too) answering the prompts."""

    def __init__(self, backend, settings: DecodingSettings) -> None:
        self.backend, self.settings = backend, settings

    def predict(self, items: Sequence[EvalItem]) -> list[str]:
        prompts = [item.prompt for item in items]
        if isinstance(self.backend, OpenAIBackend) and len(prompts) > 1:
            # An endpoint batches on its side (vLLM): send the batch's requests at once, not one by one.
            with ThreadPoolExecutor(len(prompts)) as pool:
                return [answer for (answer,) in pool.map(lambda p: self.backend.generate([p], self.settings), prompts)]
        return self.backend.generate(prompts, self.settings)


# -- models ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSpec:
    """One --model entry: the row name, what answers (majority, retrieval, local, openai) and from where."""

    name: str
    kind: str
    model: str | None = None
    adapter: str | None = None


def parse_models(args: Any) -> list[ModelSpec]:
    """The --model entries as specs; clear errors for unknown baselines, missing URLs, clashing names."""
    if not args.model:
        raise ValueError("give at least one --model: a hub id or folder, an endpoint model name with --backend "
                         "openai, or baseline:majority / baseline:retrieval")
    specs = []
    for text in args.model:
        label, sep, target = text.partition("=")
        label, target = (label.strip(), target.strip()) if sep else ("", text.strip())
        if not target:
            raise ValueError(f"--model {text!r}: nothing after '='")
        if target.startswith("baseline:"):
            if target[9:] not in BASELINES:
                raise ValueError(f"--model {target}: unknown baseline, use baseline:{' or baseline:'.join(BASELINES)}")
            specs.append(ModelSpec(label or target, target[9:]))
        elif args.backend == "openai":
            if not args.base_url:
                raise ValueError("--backend openai needs --base-url (e.g. http://127.0.0.1:8000/v1)")
            if args.adapter:
                raise ValueError("--adapter works with the local backend; merge it (python -m medqa.export merge) "
                                 "and serve the merged model instead")
            specs.append(ModelSpec(label or target, "openai", target))
        else:
            name = f"{target} + {args.adapter}" if args.adapter else target
            specs.append(ModelSpec(label or name, "local", target, args.adapter))
    if args.adapter and sum(s.kind == "local" for s in specs) != 1:
        raise ValueError("--adapter needs exactly one local --model; to compare several, give adapter folders "
                         "as --model")
    names = Counter(s.name for s in specs)
    if clash := [n for n, c in names.items() if c > 1]:
        raise ValueError(f"--model {clash[0]!r} is given twice; label one: --model 'NAME=MODEL'")
    return specs


class Predictors:
    """Makes the predictor of a spec for a fold; keeps one local model loaded (reloaded when its path changes)."""

    def __init__(self, args: Any, settings: DecodingSettings, image_root: str | None,
                 train_items: Callable[[int], list[EvalItem]]) -> None:
        self.args, self.settings, self.image_root, self.train_items = args, settings, image_root, train_items
        self.thumbs = Thumbnails(image_root)
        self.loaded_key, self.backend = None, None

    def get(self, spec: ModelSpec, fold: int) -> Predictor:
        if spec.kind == "majority":
            return MajorityBaseline(self.train_items(fold))
        if spec.kind == "retrieval":
            return RetrievalBaseline(self.train_items(fold), self.thumbs)
        model = spec.model.replace("{fold}", str(fold))
        if spec.kind == "openai":
            return ModelPredictor(OpenAIBackend(self.args.base_url, model, ConversationFormat.load_or_default(
                self.args.data), self.image_root, api_key=os.environ.get(self.args.api_key_env)), self.settings)
        adapter = spec.adapter.replace("{fold}", str(fold)) if spec.adapter else None
        if adapter is None and (Path(model) / "adapter_config.json").is_file():
            model, adapter = None, model  # an adapter folder names its own base model
        if (model, adapter) != self.loaded_key:
            self._load(model, adapter)
        return ModelPredictor(self.backend, self.settings)

    def _load(self, model: str | None, adapter: str | None) -> None:
        self.backend = None
        gc.collect()  # free the previous model before the next one is loaded
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        loaded = load_model(model, adapter=adapter, quantization=self.args.quantization)
        self.backend, self.loaded_key = LocalBackend(loaded, self.image_root), (model, adapter)


# -- saved predictions -------------------------------------------------------------------------
def predictions_dir(out: str | Path, name: str) -> Path:
    """Where a model's prediction files go: a readable slug plus a hash, so names never collide."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80]
    return Path(out) / "predictions" / f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def read_predictions(path: Path) -> dict[str, dict]:
    """Saved rows by key (the last row of a key wins); a torn last line from a killed run is dropped."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    rows, lines = {}, text.split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if n == len(lines):  # no newline after it: the write was cut off, the item is simply redone
                log.warning("%s: dropping an unfinished last line (the run was stopped mid-write)", path)
                text = text[: len(text) - len(line)]
                path.write_text(text, encoding="utf-8")
                break
            raise EvaluationError(f"{path}:{n}: not a JSON line; repair or delete the file") from None
        if not isinstance(row, dict) or "key" not in row:
            raise EvaluationError(f"{path}:{n}: not a medqa prediction row (no 'key'); repair or delete the file")
        rows[row["key"]] = row
    if rows and not text.endswith("\n"):  # a complete last row without its newline: the next append needs one
        with path.open("a", encoding="utf-8") as f:
            f.write("\n")
    return rows


def check_run_info(directory: Path, info: dict) -> None:
    """Refuse to resume predictions made with other settings: a table must not mix decoding runs."""
    path = directory / "run.json"
    if path.is_file():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved != info:
            raise EvaluationError(f"{directory} holds predictions made with other settings ({saved}, now {info}); "
                                  f"use another --out or delete that folder")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _rows_for(predictor: Predictor, batch: Sequence[EvalItem]) -> list[dict]:
    """Rows for a batch; when the batch fails, each item alone, so one bad sample costs one error row."""
    try:
        answers = predictor.predict(batch)
        if len(answers) != len(batch):
            raise RuntimeError(f"{len(answers)} answers for {len(batch)} prompts")
        return [_row(item, prediction=answer) for item, answer in zip(batch, answers, strict=True)]
    except Exception as exc:  # any per-sample failure is recorded and the run goes on
        if len(batch) > 1:
            return [row for item in batch for row in _rows_for(predictor, [item])]
        log.warning("%s failed: %s: %s", batch[0].key, type(exc).__name__, exc)
        return [_row(batch[0], prediction="", error=f"{type(exc).__name__}: {exc}")]


def _row(item: EvalItem, **extra) -> dict:
    return {"key": item.key, "id": item.record_id, "turn": item.turn, "qtype": item.qtype,
            "question": item.question, "reference": item.reference, **extra}


def predict_fold(get_predictor: Callable[[], Predictor], items: Sequence[EvalItem], path: Path,
                 args: Any) -> dict[str, dict]:
    """Predict the items not yet saved in `path`, appending each batch as it is made; all rows by key."""
    done = read_predictions(path)
    todo = [it for it in items if it.key not in done or (args.retry_errors and "error" in done[it.key])]
    log.info("%s: %d items, %d already saved, %d to predict", path, len(items), len(items) - len(todo), len(todo))
    if not todo:
        return done
    predictor, failed_in_row = get_predictor(), 0  # loaded only when there is work left
    with path.open("a", encoding="utf-8") as f:
        for start in range(0, len(todo), args.batch_size):
            rows = _rows_for(predictor, todo[start: start + args.batch_size])
            f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            f.flush()  # in the OS's hands now: a killed run keeps it (no fsync: that costs ~ms per batch)
            for row in rows:
                done[row["key"]] = row
                failed_in_row = failed_in_row + 1 if "error" in row else 0
            if failed_in_row >= args.max_consecutive_errors:
                raise EvaluationError(f"{failed_in_row} samples in a row failed (last: {rows[-1]['error']}); the "
                                      f"model or endpoint looks broken. Rows so far are saved in {path}; fix the "
                                      f"cause and rerun with --retry_errors true")
    return done


# -- scores and tables -------------------------------------------------------------------------
def score_fold(items: Sequence[EvalItem], rows: dict[str, dict], tokenizer: str = "char") -> dict:
    """ROUGE (F, P, R), finding F1 (+ BLEU-4 with sacrebleu) of saved rows; error rows score as empty answers."""
    preds = []
    for item in items:
        row = rows[item.key]
        if (row.get("question"), row.get("reference")) != (item.question, item.reference):
            raise EvaluationError(f"saved prediction {item.key} was made for another question or reference; the "
                                  f"dataset changed since: use another --out")
        preds.append(row.get("prediction") or "")
    refs = [item.reference for item in items]
    findings = finding_f1(preds, refs)
    out = {**rouge(preds, refs, tokenizer), "finding_f1": findings["f1"], "finding_precision": findings["precision"],
           "finding_recall": findings["recall"], "finding_support": findings["support"], "n": len(items),
           "errors": sum("error" in rows[item.key] for item in items)}
    if (bleu := bleu4(preds, refs)) is not None:
        out["bleu4"] = bleu
    return out


def summarise(per_fold: dict[int, dict]) -> dict:
    """{"folds": {k: metrics}, "mean": {...}, "sd": {...}}: sample sd across folds, None for one fold."""
    folds = list(per_fold.values())
    keys = [k for k in (*MAIN_KEYS, "bleu4") if all(k in m for m in folds)]
    return {"folds": {str(k): m for k, m in per_fold.items()},
            "mean": {k: statistics.fmean(m[k] for m in folds) for k in keys},
            "sd": {k: statistics.stdev(m[k] for m in folds) if len(folds) > 1 else None for k in keys},
            "errors": sum(m["errors"] for m in folds), "n": sum(m["n"] for m in folds)}


def _run_note(entry: dict) -> str:
    limit = f" (first {entry['limit']} items each)" if entry.get("limit") else ""
    tokens = "jieba words" if entry.get("tokenizer") == "jieba" else "characters"
    return f"data `{entry.get('data')}`, folds {', '.join(entry['folds'])}{limit}, ROUGE over {tokens}"


def markdown_table(results: dict) -> str:
    """Table II layout: a row per model, columns ROUGE-1/2/L and finding F1 as 'mean ± sd', plus the paper's row."""
    columns = [k for k in COLUMNS if k in MAIN_KEYS or any(k in r["mean"] for r in results.values())]
    notes = {model: _run_note(r) for model, r in results.items()}
    lines = ["ROUGE: F-score per answer, averaged; finding F1: micro-F1 over (finding, present/absent); cells: "
             "mean ± sd across folds. The paper's row is copied from its Table II (its own data and tokenisation).",
             "", *(["Evaluated on " + next(iter(notes.values())) + "."] if len(set(notes.values())) == 1 else
                   [f"- {model}: {note}" for model, note in notes.items()]), "",
             "| Model | " + " | ".join(COLUMNS[k] for k in columns) + " |", "|---|" + "---:|" * len(columns)]
    name, paper = PAPER_ROW
    lines.append(f"| {name} | " + " | ".join(f"{paper[k]:.4f}" if k in paper else "–" for k in columns) + " |")
    for model, r in results.items():
        cells = [("–" if k not in r["mean"] else f"{r['mean'][k]:.4f}" if r["sd"].get(k) is None
                  else f"{r['mean'][k]:.4f} ± {r['sd'][k]:.4f}") for k in columns]
        lines.append(f"| {model.replace('|', '/')} | " + " | ".join(cells) + " |")
    errors = [f"{m}: {r['errors']} of {r['n']}" for m, r in results.items() if r.get("errors")]
    if errors:
        lines += ["", "Error rows (scored as empty answers): " + "; ".join(errors) + "."]
    return "\n".join(lines) + "\n"


def write_results(out: Path, results: dict) -> dict:
    """Merge this run into OUT/results.json and rewrite OUT/results.md; returns the merged dict.

    Other models are kept; a model already there with the same RUN_KEYS gains this run's folds
    (a fold evaluated again is replaced), otherwise its entry is replaced.
    """
    path = out / "results.json"
    try:
        merged = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"{path} is not valid JSON ({exc}); move it away to start a new table") from exc
    for name, entry in results.items():
        old = merged.get(name)
        # The same model, data and scoring evaluated on other folds (e.g. one vLLM server per fold): add them.
        if old and all(old.get(k) == entry.get(k) for k in RUN_KEYS):
            folds = {int(k): m for k, m in {**old["folds"], **entry["folds"]}.items()}
            entry = summarise(dict(sorted(folds.items()))) | {k: entry[k] for k in RUN_KEYS}
        merged[name] = entry
    out.mkdir(parents=True, exist_ok=True)
    for target, text in ((path, json.dumps(merged, ensure_ascii=False, indent=2) + "\n"),
                         (out / "results.md", markdown_table(merged))):
        write_atomic(target, text)
    return merged


# -- the run -----------------------------------------------------------------------------------
def run_evaluation(args: Any, settings: DecodingSettings | None = None,
                   wrap: Callable[[Predictor], Predictor] | None = None) -> dict:
    """Evaluate every --model on every fold; returns the merged results.json content.

    `args` carries evaluate.py's options (its EvalArguments); `wrap` (tests, instrumentation)
    wraps each predictor before it answers.
    """
    specs, settings = parse_models(args), settings or DecodingSettings()
    if args.batch_size < 1 or (args.limit is not None and args.limit < 1):
        raise ValueError("--batch_size and --limit must be at least 1")
    meta = load_dataset_meta(args.data)
    n_folds = int(meta["folds"])
    cache: dict[int, list[EvalItem]] = {}

    def fold_items(k: int) -> list[EvalItem]:
        if k not in cache:
            cache[k] = build_items(read_folds(args.data, [k]), f"fold {k}")
        return cache[k]

    # Every evaluated fold is read before any work, so a missing one fails at once.
    evaluated = {k: fold_items(k)[: args.limit] for k in parse_folds(args.folds, n_folds)}
    predictors = Predictors(args, settings, args.image_root or meta.get("image_root"),
                            lambda k: [it for j in range(n_folds) if j != k for it in fold_items(j)])
    out, results = Path(args.out), {}
    for spec in specs:
        directory = predictions_dir(out, spec.name)
        if not args.score_only:
            check_run_info(directory, {"model": spec.name, "decoding": settings.to_dict() if spec.model else None})
        per_fold = {k: score_fold(items, _fold_rows(spec, k, items, directory, predictors, args, wrap), args.tokenizer)
                    for k, items in evaluated.items()}
        results[spec.name] = summarise(per_fold) | dict(zip(RUN_KEYS, (str(args.data), args.limit, args.tokenizer),
                                                           strict=True))
    return write_results(out, results)


def _fold_rows(spec: ModelSpec, k: int, items: list[EvalItem], directory: Path, predictors: Predictors,
               args: Any, wrap: Callable | None) -> dict[str, dict]:
    path = directory / f"fold_{k}.jsonl"
    if args.score_only:
        rows = read_predictions(path)
        if not rows:
            raise EvaluationError(f"{path} is missing or empty: no predictions of {spec.name!r} for fold {k} to "
                                  f"score (run without --score_only to make them)")
        if missing := [it.key for it in items if it.key not in rows]:
            raise EvaluationError(f"{path}: {len(missing)} of {len(items)} items have no prediction (first: "
                                  f"{missing[0]}); run without --score_only to make them")
        return rows
    return predict_fold(lambda: (wrap or (lambda p: p))(predictors.get(spec, k)), items, path, args)
