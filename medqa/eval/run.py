"""k-fold evaluation: per-turn answers from models or baselines, scored, tabulated like the paper's Table II.

Every assistant turn of every record is one item. Its prompt is the conversation up to that
user turn with the *reference* earlier answers (teacher forcing, as the paper's per-question
evaluation); the prediction is scored against that turn's reference answer.

A run, per model and fold, writes `OUT/predictions/<model>/fold_K.jsonl` as it goes (one row per
item, flushed, keyed by record id + turn), so a killed run resumes where it stopped. A sample
that fails (a corrupt image, an endpoint error) becomes an error row `{"error": "..."}`, is
counted, and is scored as an empty prediction (0 for it). Figures are computed per fold, then
mean ± sample sd across folds with a patient-level bootstrap 95% interval, overall and per question
type, into `OUT/results.json` (merged with the models already there) and `OUT/results.md`
(medqa.eval.summary, medqa.eval.tables).

Baselines (`baseline:majority`, `baseline:question`, `baseline:retrieval`, see medqa.eval.baselines)
need no GPU; they are fitted per evaluated fold on the dataset's other folds.

`--image_ablation blank` also evaluates every model with a uniform grey image in place of each
film (a "[blank image]" row) and reports the paired drop; `--compare A B` adds a paired bootstrap
of two rows already in OUT (OUT/comparisons.json and the table).
"""


from __future__ import annotations

import dataclasses
import gc
import logging
import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch

from medqa.core.conversation import ConversationFormat
from medqa.core.files import write_atomic
from medqa.core.modeling import ImageBudget, load_model
from medqa.data.folds import load_dataset_meta, read_folds, require_records
from medqa.data.split import parse_folds
from medqa.eval.baselines import MajorityBaseline, QuestionBaseline, RetrievalBaseline, Thumbnails
from medqa.eval.bootstrap import ItemScores
from medqa.eval.config import EvalArguments
from medqa.eval.items import EvalItem, EvaluationError, build_items
from medqa.eval.metrics import bleu4
from medqa.eval.predictions import (
    BlankImages,
    Predictor,
    check_run_info,
    predict_fold,
    predictions_dir,
    read_predictions,
)
from medqa.eval.summary import RUN_KEYS, comparison, concat, item_scores, model_entry, read_json, write_json
from medqa.eval.tables import markdown_table
from medqa.serve.decoding import DecodingSettings
from medqa.serve.endpoint import OpenAIBackend
from medqa.serve.local import LocalBackend

log = logging.getLogger("medqa.eval")
BASELINES = ("majority", "question", "retrieval")
BLANK = " [blank image]"  # the row name suffix of an image-ablated model


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
    ablation: str | None = None  # "blank": every image replaced by a uniform grey one
    ablation_of: str | None = None  # the row of the same model with its images


def parse_models(args: EvalArguments) -> list[ModelSpec]:
    """The --model entries as specs; clear errors for unknown baselines, missing URLs, clashing names."""
    if not args.model and not args.compare:
        raise ValueError("give at least one --model: a hub id or folder, an endpoint model name with --backend "
                         "openai, or baseline:majority / baseline:question / baseline:retrieval")
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
    if args.image_ablation != "none":
        specs += [dataclasses.replace(s, name=s.name + BLANK, ablation=args.image_ablation, ablation_of=s.name)
                  for s in specs]
    names = Counter(s.name for s in specs)
    if clash := [n for n, c in names.items() if c > 1]:
        raise ValueError(f"--model {clash[0]!r} is given twice; label one: --model 'NAME=MODEL'")
    return specs


class Predictors:
    """Makes the predictor of a spec for a fold; keeps one local model loaded (reloaded when its path changes)."""

    def __init__(self, args: EvalArguments, settings: DecodingSettings, image_root: str | None,
                 train_items: Callable[[int], list[EvalItem]]) -> None:
        self.args, self.settings, self.image_root, self.train_items = args, settings, image_root, train_items
        self.thumbs = Thumbnails(image_root)
        self.loaded_key, self.backend = None, None

    def get(self, spec: ModelSpec, fold: int) -> Predictor:
        """The predictor of `spec` for `fold`; an image-ablated spec's answers the same items with grey images."""
        predictor = self._get(spec, fold)
        return BlankImages(predictor, self.image_root) if spec.ablation == "blank" else predictor

    def _get(self, spec: ModelSpec, fold: int) -> Predictor:
        if spec.kind == "majority":
            return MajorityBaseline(self.train_items(fold))
        if spec.kind == "question":
            return QuestionBaseline(self.train_items(fold))
        if spec.kind == "retrieval":
            return RetrievalBaseline(self.train_items(fold), self.thumbs)
        model = spec.model.replace("{fold}", str(fold))
        if spec.kind == "openai":
            # A served folder's saved pixel budget (medqa_processor.json) sizes the images sent; else the default.
            return ModelPredictor(OpenAIBackend(self.args.base_url, model, ConversationFormat.load_or_default(
                self.args.data), self.image_root, api_key=os.environ.get(self.args.api_key_env),
                budget=ImageBudget.load(model)), self.settings)
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
        self.backend.warmup()  # on CUDA: compile and capture the fast decoder once, before the first item


# -- the run -----------------------------------------------------------------------------------
def generator_name(meta: dict) -> str:
    """Which generator built the dataset, from its dataset.json."""
    generator = meta.get("generator")
    name = generator.get("generator") if isinstance(generator, dict) else generator
    return str(name or "unknown")


class Run:
    """One evaluate.py invocation: the dataset's items per fold, the predictors and the output folder."""

    def __init__(self, args: EvalArguments, settings: DecodingSettings, wrap: Callable | None) -> None:
        self.args, self.settings, self.wrap = args, settings, wrap
        self.meta = load_dataset_meta(args.data)
        self.n_folds = int(self.meta["folds"])
        self.cache: dict[int, list[EvalItem]] = {}
        # Every evaluated fold is read before any work, so a missing or empty one fails at once.
        folds = parse_folds(args.folds, self.n_folds)
        require_records(args.data, folds, "to evaluate")
        self.evaluated = {k: self.items(k) for k in folds}
        self.predictors = Predictors(args, settings, args.image_root or self.meta.get("image_root"),
                                     lambda k: [it for j in range(self.n_folds) if j != k for it in self._all(j)])
        self.out = Path(args.out)
        self.info = {"data": str(args.data), "limit": args.limit, "tokenizer": args.tokenizer,
                     "generator": generator_name(self.meta)}

    def _all(self, k: int) -> list[EvalItem]:
        if k not in self.cache:
            self.cache[k] = build_items(read_folds(self.args.data, [k]), f"fold {k}", fold=k)
        return self.cache[k]

    def items(self, k: int) -> list[EvalItem]:
        """Fold k's items (the first --limit of them)."""
        return self._all(k)[: self.args.limit]

    def scores(self, spec: ModelSpec, folds: Sequence[int], predict: bool = True) -> tuple[ItemScores, dict[int, dict]]:
        """Per-item scores of `spec` over `folds`, and per fold its error rows (+ BLEU-4 where sacrebleu is
        installed: a corpus figure, no per-item part); with `predict`, the evaluated folds' missing items are
        predicted first (the other folds are read as saved)."""
        directory, parts, extras = predictions_dir(self.out, spec.name), [], {}
        for k in folds:
            items = self.items(k)
            if predict and k in self.evaluated and not self.args.score_only:
                rows = predict_fold(lambda k=k: (self.wrap or (lambda p: p))(self.predictors.get(spec, k)), items,
                                    directory / f"fold_{k}.jsonl", self.args)
            else:
                rows = saved_rows(directory / f"fold_{k}.jsonl", spec.name, k, items)
            parts.append(item_scores(items, rows, self.args.tokenizer))
            extras[k] = {"errors": sum("error" in rows[item.key] for item in items)}
            bleu = bleu4([rows[item.key].get("prediction") or "" for item in items], [i.reference for i in items])
            if bleu is not None:
                extras[k]["bleu4"] = bleu
        return concat(parts), extras

    def folds_of(self, name: str, old: dict | None) -> list[int]:
        """The evaluated folds, plus those an earlier run of the same model and data saved (one row per model)."""
        folds = set(self.evaluated)
        if old and all(old.get(k) == self.info.get(k) for k in RUN_KEYS):
            folds |= {int(k) for k in old.get("folds", {})
                      if (predictions_dir(self.out, name) / f"fold_{k}.jsonl").is_file()}
        return sorted(folds)


def saved_rows(path: Path, name: str, k: int, items: Sequence[EvalItem]) -> dict[str, dict]:
    """Saved predictions of fold k, every item present (else a clear error: run without --score_only)."""
    rows = read_predictions(path)
    if not rows:
        raise EvaluationError(f"{path} is missing or empty: no predictions of {name!r} for fold {k} to "
                              f"score (run without --score_only to make them)")
    if missing := [it.key for it in items if it.key not in rows]:
        raise EvaluationError(f"{path}: {len(missing)} of {len(items)} items have no prediction (first: "
                              f"{missing[0]}); run without --score_only to make them")
    return rows


def run_evaluation(args: EvalArguments, settings: DecodingSettings | None = None,
                   wrap: Callable[[Predictor], Predictor] | None = None) -> dict:
    """Evaluate every --model (and its blank-image twin) on every fold; returns the merged results.json content.

    `wrap` (tests, instrumentation) wraps each predictor before it answers.
    """
    specs, settings = parse_models(args), settings or DecodingSettings()
    run = Run(args, settings, wrap)
    merged = read_json(run.out / "results.json")
    if slake := [name for name, entry in merged.items() if entry.get("benchmark") == "slake"]:
        raise EvaluationError(f"{run.out / 'results.json'} holds SLAKE rows ({slake[0]!r}): give this dataset its own "
                              f"--out")
    scored: dict[str, ItemScores] = {}
    for spec in specs:
        if not args.score_only:
            info = {"model": spec.name, "decoding": settings.to_dict() if spec.model else None}
            check_run_info(predictions_dir(run.out, spec.name), info | ({"image_ablation": spec.ablation}
                                                                        if spec.ablation else {}))
        scored[spec.name], errors = run.scores(spec, run.folds_of(spec.name, merged.get(spec.name)))
        merged[spec.name] = model_entry(scored[spec.name], errors, args.bootstrap_samples, args.seed) | run.info | {
            "image_ablation": spec.ablation or "none"}
        if spec.ablation_of:
            merged[spec.name] |= {"ablation_of": spec.ablation_of, "drop": comparison(
                scored[spec.ablation_of], scored[spec.name], args.bootstrap_samples, args.seed)}
    comparisons = read_json(run.out / "comparisons.json")
    if args.compare:
        a, b = (scored.get(name) or _saved_scores(run, name, merged) for name in args.compare)
        comparisons[f"{args.compare[0]} − {args.compare[1]}"] = comparison(a, b, args.bootstrap_samples, args.seed)
        write_json(run.out / "comparisons.json", comparisons)
    run.out.mkdir(parents=True, exist_ok=True)
    write_json(run.out / "results.json", merged)
    write_atomic(run.out / "results.md", markdown_table(merged, comparisons))
    return merged


def _saved_scores(run: Run, name: str, merged: dict) -> ItemScores:
    """Scores of a row evaluated earlier into the same OUT, for --compare."""
    entry = merged.get(name)
    if entry is None:
        raise ValueError(f"--compare {name!r}: no such row in {run.out / 'results.json'} (rows: "
                         f"{', '.join(merged) or 'none'}); evaluate it into this --out first")
    if any(entry.get(k) != run.info.get(k) for k in RUN_KEYS):
        raise ValueError(f"--compare {name!r} was evaluated on other data or settings than this run")
    return run.scores(ModelSpec(name, "saved"), sorted(int(k) for k in entry["folds"]), predict=False)[0]
