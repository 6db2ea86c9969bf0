"""`python evaluate.py --benchmark slake`: models and baselines on the public SLAKE benchmark, scored with the
conventions published SLAKE results use (medqa.eval.slake_scoring), into OUT/results.json and OUT/results.md.

    python evaluate.py --benchmark slake --data Slake1.0 --split test --lang zh --modality X-Ray \\
        --model Qwen/Qwen2.5-VL-7B-Instruct --model baseline:majority --model baseline:question --out OUT

Each selected question of --split is one item, asked alone with its image (SLAKE_DIR/imgs/<img_name>), as
the published evaluations do; every model kind evaluate.py takes answers it (local model or adapter folder,
OpenAI-compatible endpoint, baselines, --image_ablation blank). Baselines are fitted on the other two splits
(train + validate for test) with the same --lang and --modality, one per language, and read no image but
retrieval's. Predictions are saved as they are made (OUT/predictions/<model>/slake_<split>.jsonl), so a rerun
resumes. Every figure carries its convention and its image-level bootstrap interval (medqa.eval.slake_summary).
One OUT holds one setting (data, split, language, modality, limit): another one needs another --out.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medqa.core.conversation import ConversationFormat
from medqa.core.files import write_atomic
from medqa.data.records import SkipLog
from medqa.data.slake import SPLITS, SlakeQuestion, image_root, read_selected
from medqa.eval.baselines import MajorityBaseline, QuestionBaseline, RetrievalBaseline
from medqa.eval.config import EvalArguments
from medqa.eval.items import EvalItem, EvaluationError
from medqa.eval.predictions import Predictor, check_run_info, predict_fold, predictions_dir
from medqa.eval.run import ModelSpec, Predictors, parse_models, saved_rows
from medqa.eval.slake_summary import question_components, summarise
from medqa.eval.slake_tables import slake_markdown
from medqa.eval.summary import read_json, write_json
from medqa.serve.decoding import DecodingSettings

log = logging.getLogger("medqa.eval")
SETTING_KEYS = ("benchmark", "data", "split", "lang", "modality", "limit")


@dataclass(frozen=True)
class SlakeItem(EvalItem):
    """An evaluation item that is one SLAKE question (its qtype is the answer type, CLOSED or OPEN)."""

    lang: str = ""
    content_type: str = ""
    modality: str = ""


def slake_items(questions: Sequence[SlakeQuestion], fmt: ConversationFormat | None = None) -> list[SlakeItem]:
    """One item per question: the question alone with its image, the reference its answer, the image its unit."""
    fmt = fmt or ConversationFormat()
    return [SlakeItem(key=f"q{q.qid}", record_id=q.cluster, turn=0, qtype=q.answer_type, question=q.question,
                      reference=q.answer, prompt=[fmt.user_turn(q.question, image=q.img_name)], image=q.img_name,
                      patient=q.cluster, lang=q.lang, content_type=q.content_type, modality=q.modality)
            for q in questions]


class ByLanguage:
    """A baseline fitted per question language, so a Chinese question never gets an English answer."""

    def __init__(self, make: Callable[[list[EvalItem]], Predictor], train: Sequence[SlakeItem]) -> None:
        by_lang: dict[str, list[EvalItem]] = defaultdict(list)
        for item in train:
            by_lang[item.lang].append(item)
        self.models = {lang: make(items) for lang, items in by_lang.items()}

    def predict(self, items: Sequence[SlakeItem]) -> list[str]:
        answers: list[str | None] = [None] * len(items)
        by_lang: dict[str, list[int]] = defaultdict(list)
        for i, item in enumerate(items):
            by_lang[item.lang].append(i)
        for lang, index in by_lang.items():
            if lang not in self.models:
                raise ValueError(f"no training question in language {lang!r} to fit the baseline on")
            for i, answer in zip(index, self.models[lang].predict([items[i] for i in index]), strict=True):
                answers[i] = answer
        return answers


class SlakePredictors(Predictors):
    """evaluate.py's predictors, with baselines fitted per language on the training splits."""

    def _get(self, spec: ModelSpec, fold: int) -> Predictor:
        makers = {"majority": MajorityBaseline, "question": QuestionBaseline,
                  "retrieval": lambda train: RetrievalBaseline(train, self.thumbs)}
        if spec.kind in makers:
            return ByLanguage(makers[spec.kind], self.train_items(fold))
        return super()._get(spec, fold)


class SlakeRun:
    """One `--benchmark slake` invocation: the items, the training items, the predictors, OUT."""

    def __init__(self, args: EvalArguments, settings: DecodingSettings, wrap: Callable | None) -> None:
        self.args, self.settings, self.wrap = args, settings, wrap
        self.skips = SkipLog()
        questions = read_selected(args.data, (args.split,), args.lang, args.modality, self.skips)
        if not questions:
            raise EvaluationError(f"no SLAKE {args.split} question with --lang {args.lang} --modality "
                                  f"{args.modality} in {args.data}")
        self.items = slake_items(questions)[: args.limit]
        self._train: list[SlakeItem] | None = None
        self._train_splits = tuple(s for s in SPLITS if s != args.split)
        self.image_root = args.image_root or str(image_root(args.data))
        self.predictors = SlakePredictors(args, settings, self.image_root, lambda _fold: self.train_items())
        self.out = Path(args.out)
        self.setting = {"benchmark": "slake", "data": str(Path(args.data).resolve()), "split": args.split,
                        "lang": args.lang, "modality": args.modality, "limit": args.limit}

    def train_items(self) -> list[SlakeItem]:
        """The other splits' questions (train + validate for test), read when a baseline first needs them."""
        if self._train is None:
            self._train = slake_items(read_selected(self.args.data, self._train_splits, self.args.lang,
                                                    self.args.modality, self.skips))
        return self._train

    def rows(self, spec: ModelSpec) -> dict[str, dict]:
        """Every item's saved or new prediction row for `spec`."""
        path = predictions_dir(self.out, spec.name) / f"slake_{self.args.split}.jsonl"
        if self.args.score_only:
            return saved_rows(path, spec.name, 0, self.items)
        info = {"model": spec.name, "decoding": self.settings.to_dict() if spec.model else None,
                **{k: self.setting[k] for k in SETTING_KEYS}} | (
            {"image_ablation": spec.ablation} if spec.ablation else {})
        check_run_info(path.parent, info)
        wrap = self.wrap or (lambda p: p)
        return predict_fold(lambda: wrap(self.predictors.get(spec, 0)), self.items, path, self.args)

    def entry(self, spec: ModelSpec, rows: dict[str, dict]) -> dict:
        """The results.json row of one model; a saved row made for another question or answer is an error."""
        for item in self.items:
            row = rows[item.key]
            if (row.get("question"), row.get("reference")) != (item.question, item.reference):
                raise EvaluationError(f"saved prediction {item.key} of {spec.name!r} was made for another question "
                                      f"or answer: the SLAKE files changed since; use another --out")
        values = np.stack([question_components(rows[i.key].get("prediction") or "", i.reference, i.qtype, i.lang)
                           for i in self.items])
        summary = summarise(values, [i.patient for i in self.items], [i.content_type for i in self.items],
                            self.args.bootstrap_samples, self.args.seed)
        errors = sum("error" in rows[i.key] for i in self.items)
        return {**self.setting, "n": len(self.items), "errors": errors, **summary,
                "image_ablation": spec.ablation or "none",
                "bootstrap": {"samples": self.args.bootstrap_samples, "seed": self.args.seed, "unit": "image"}}


def check_setting(merged: dict, setting: dict, out: Path) -> None:
    """EvaluationError when OUT already holds rows of another benchmark or SLAKE setting (one table, one setting)."""
    for name, entry in merged.items():
        theirs = {k: entry.get(k) for k in SETTING_KEYS}
        if theirs != setting:
            raise EvaluationError(f"{out / 'results.json'} holds {name!r} evaluated with {theirs}, not {setting}: "
                                  f"give this setting its own --out")


def run_slake(args: EvalArguments, settings: DecodingSettings | None = None,
              wrap: Callable[[Predictor], Predictor] | None = None) -> dict:
    """Evaluate every --model on the selected SLAKE questions; returns the merged results.json content."""
    if args.compare:
        raise ValueError("--compare is not available with --benchmark slake; compare rows by their intervals")
    specs, settings = parse_models(args), settings or DecodingSettings()
    run = SlakeRun(args, settings, wrap)
    merged = read_json(run.out / "results.json")
    check_setting(merged, run.setting, run.out)
    for spec in specs:
        merged[spec.name] = run.entry(spec, run.rows(spec))
    if run.skips.counts:
        log.warning("SLAKE entries skipped: %s", run.skips.summary())
    run.out.mkdir(parents=True, exist_ok=True)
    write_json(run.out / "results.json", merged)
    write_atomic(run.out / "results.md", slake_markdown(merged, run.skips.summary()))
    return merged
