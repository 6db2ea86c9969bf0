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

Baselines (`baseline:majority`, `baseline:retrieval`, see medqa.eval.baselines) need no GPU; they are
fitted per evaluated fold on the dataset's other folds.
"""


from __future__ import annotations

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
from medqa.core.modeling import load_model
from medqa.data.folds import load_dataset_meta, read_folds
from medqa.data.split import parse_folds
from medqa.eval.baselines import MajorityBaseline, RetrievalBaseline, Thumbnails
from medqa.eval.config import EvalArguments
from medqa.eval.items import EvalItem, EvaluationError, build_items
from medqa.eval.predictions import Predictor, check_run_info, predict_fold, predictions_dir, read_predictions
from medqa.eval.tables import RUN_KEYS, score_fold, summarise, write_results
from medqa.serve.decoding import DecodingSettings
from medqa.serve.endpoint import OpenAIBackend
from medqa.serve.local import LocalBackend

log = logging.getLogger("medqa.eval")
BASELINES = ("majority", "retrieval")


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


def parse_models(args: EvalArguments) -> list[ModelSpec]:
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

    def __init__(self, args: EvalArguments, settings: DecodingSettings, image_root: str | None,
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


# -- the run -----------------------------------------------------------------------------------
def run_evaluation(args: EvalArguments, settings: DecodingSettings | None = None,
                   wrap: Callable[[Predictor], Predictor] | None = None) -> dict:
    """Evaluate every --model on every fold; returns the merged results.json content.

    `args` carries evaluate.py's options; `wrap` (tests, instrumentation)
    wraps each predictor before it answers.
    """
    specs, settings = parse_models(args), settings or DecodingSettings()
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
               args: EvalArguments, wrap: Callable | None) -> dict[str, dict]:
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
