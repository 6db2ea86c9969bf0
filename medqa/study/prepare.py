"""`python -m medqa.study prepare`: every arm's answer to every case, made once, before any rater arrives.

Answers come from evaluation's own generation code (medqa.eval.predictions.predict_fold with
medqa.eval.run.ModelPredictor over the serve backends), so a study answer is exactly what
evaluation would have scored. Each arm's answers are appended to `OUTPUT/answers/<arm>/answers.jsonl`
as they are made: a stopped run resumes where it stopped, and failed answers are retried on the
next run. Only when every answer exists does the study go into the database, with the case
images (PNG, named by hash) and the raters' queues; raters never wait for a model, and every
rater sees the same answer.
"""

from __future__ import annotations

import gc
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

from tqdm.auto import tqdm

from medqa.core.files import write_atomic
from medqa.eval.items import EvalItem
from medqa.eval.predictions import check_run_info, predict_fold, read_predictions
from medqa.study.assign import plan_assignments
from medqa.study.cases import Case, build_cases, export_case_image
from medqa.study.definition import ArmSpec, Study, StudyError
from medqa.study.store import StudyStore

log = logging.getLogger("medqa.study")
BackendFactory = Callable[[ArmSpec], object]


def build_backend(arm: ArmSpec):
    """The serve backend of an arm: a local transformers model (+ adapter) or an OpenAI-compatible endpoint."""
    from medqa.core.conversation import ConversationFormat

    if arm.backend == "openai":
        from medqa.serve.endpoint import OpenAIBackend

        return OpenAIBackend(arm.base_url, arm.model, ConversationFormat(), arm.image_root,
                             api_key=os.environ.get(arm.api_key_env))
    from medqa.app.backends import resolve_model  # `tiny`: the offline tiny model, as in the demo
    from medqa.core.modeling import load_model
    from medqa.serve.local import LocalBackend

    model = resolve_model(arm.model) if arm.model else None
    return LocalBackend(load_model(model, adapter=arm.adapter, quantization=arm.quantization), arm.image_root)


class _Progress:
    """A predictor that moves a progress bar as batches are answered."""

    def __init__(self, inner, bar) -> None:
        self.inner, self.bar = inner, bar

    def predict(self, items: Sequence[EvalItem]) -> list[str]:
        answers = self.inner.predict(items)
        self.bar.update(len(items))
        return answers


def arm_answers(study: Study, arm: ArmSpec, cases: list[Case], factory: BackendFactory,
                show_progress: bool = True) -> dict[str, dict]:
    """The arm's answer rows by case id, generating those not saved yet (resumable)."""
    from medqa.eval.run import ModelPredictor

    directory = study.output / "answers" / arm.arm_id
    check_run_info(directory, {"arm": arm.describe()})
    path = directory / "answers.jsonl"
    done = read_predictions(path)
    ready = sum(1 for c in cases if c.case_id in done and "error" not in done[c.case_id])
    bar = tqdm(total=len(cases), initial=ready, desc=f"{arm.arm_id}", unit="answer", disable=not show_progress)
    args = SimpleNamespace(batch_size=study.batch_size, retry_errors=True, max_consecutive_errors=10)
    holder: dict = {}

    def get_predictor():
        from medqa.core.modeling import ModelLoadError

        try:
            holder["backend"] = factory(arm)
        except ModelLoadError as exc:  # a one-line reason, not a traceback
            raise StudyError(f"{study.path}: arm {arm.arm_id}: {exc}") from None
        return _Progress(ModelPredictor(holder["backend"], arm.decoding), bar)

    try:
        return predict_fold(get_predictor, [c.item() for c in cases], path, args)
    finally:
        bar.close()
        holder.clear()
        gc.collect()  # the next arm's model must not sit beside this one in memory


def _check_plan(store: StudyStore, plan: list[dict]) -> None:
    """Queues already stored must be the ones this study file gives: raters may have started on them."""
    stored = [(a["rater_id"], a["position"], a["case_id"], a["arm_a"], a["arm_b"]) for a in store.assignments()]
    if not stored:
        return
    wanted = sorted((a["rater_id"], a["position"], a["case_id"], a["arm_a"], a["arm_b"]) for a in plan)
    if sorted(stored) != wanted:
        raise StudyError(f"{store.db.describe()} already holds different queues for study {store.study_id!r}: "
                         f"the cases, arms, raters, design or seed changed after prepare. Give the changed study a "
                         f"new `study:` id (or a new db) so judgements already made stay with their queues")


def _failures(answers: dict[str, dict[str, dict]], cases: list[Case]) -> list[str]:
    out = []
    for arm_id, rows in answers.items():
        for case in cases:
            row = rows.get(case.case_id)
            if row is None or "error" in row:
                out.append(f"{arm_id} / case {case.number}: {row.get('error') if row else 'missing'}")
    return out


def check_arms(study: Study) -> None:
    """StudyError naming the arm, the model or adapter and the reason, when a local arm cannot be loaded here.

    Asked before anything is generated, so a missing adapter or an uncached hub id offline stops prepare at
    once instead of after the other arms' answers, or after minutes of the hub's retries."""
    from medqa.core.hub import SourceError, check_source

    problems = []
    for arm in study.arms:
        if arm.backend != "local":
            continue
        try:
            if arm.adapter:
                check_source(arm.adapter, "adapter")
            if arm.model and arm.model != "tiny":
                check_source(arm.model, "model")
            elif not arm.model:  # the base model the adapter names
                base = json.loads((Path(arm.adapter) / "adapter_config.json").read_text(encoding="utf-8"))
                check_source(base.get("base_model_name_or_path") or "", "model")
        except SourceError as exc:
            problems.append(f"arm {arm.arm_id}: {exc}")
    if problems:
        raise StudyError(f"{study.path}: " + "; ".join(problems))


def prepare_study(study: Study, factory: BackendFactory | None = None, show_progress: bool = True) -> dict:
    """Generate, check and store everything raters need; a summary dict (also written to OUTPUT/prepared.json)."""
    if factory is None:  # a given factory (the tests') makes its own backends
        check_arms(study)
    cases = build_cases(study)
    plan = plan_assignments([c.case_id for c in cases], [a.arm_id for a in study.arms], [r for r, _ in study.raters],
                            study.design, study.raters_per_case, study.seed)
    store = StudyStore(study.db, study.study_id)
    try:
        _check_plan(store, plan)
        images = {c.case_id: str(export_case_image(c, study.output / "images").resolve()) for c in cases}
        answers = {arm.arm_id: arm_answers(study, arm, cases, factory or build_backend, show_progress)
                   for arm in study.arms}
        if failed := _failures(answers, cases):
            raise StudyError(f"{len(failed)} answers could not be made (first: {failed[0]}); they are kept in "
                             f"{study.output / 'answers'}; fix the cause and run prepare again (it retries only them)")
        _save(store, study, cases, images, answers, plan)
        summary = {"study": study.study_id, "db": store.db.describe(), "cases": len(cases),
                   "arms": [a.arm_id for a in study.arms], "raters": len(study.raters), "assignments": len(plan),
                   "uninvited": [r["rater_id"] for r in store.progress()["raters"] if not r["invited_at"]]}
    finally:
        store.close()
    write_atomic(study.output / "prepared.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    return summary


def _save(store: StudyStore, study: Study, cases: list[Case], images: dict, answers: dict, plan: list[dict]) -> None:
    row = {"title": study.title, "design": study.design, "language": study.language, "definition": study.raw}
    arms = [{"arm_id": a.arm_id, "number": k + 1, "spec": a.describe()} for k, a in enumerate(study.arms)]
    case_rows = [{"case_id": c.case_id, "number": c.number, "patient": c.patient, "image": images[c.case_id],
                  "question": c.question, "reference": c.reference, "qtype": c.qtype} for c in cases]
    answer_rows = [{"case_id": c.case_id, "arm_id": arm_id, "text": rows[c.case_id]["prediction"]}
                   for arm_id, rows in answers.items() for c in cases]
    raters = [{"rater_id": r, "number": k + 1} for k, (r, _) in enumerate(study.raters)]
    store.save_setup(row, arms, case_rows, answer_rows, raters, plan)
    for rater_id, code_hash in study.raters:
        if code_hash:  # from the study file: no lookup key, so sign-in checks it by trying (few such raters)
            store.set_code_hash(rater_id, None, code_hash)


def invite(study: Study, rater_ids: Sequence[str] = (), out: Path | None = None) -> Path:
    """New access codes for the named raters (default: those without one); a CSV of them, readable by owner only."""
    from medqa.study import codes

    store = StudyStore(study.db, study.study_id)
    try:
        known = {r["rater_id"]: r for r in store.progress()["raters"]}
        if not known:
            raise StudyError(f"study {study.study_id!r} is not prepared yet: run `python -m medqa.study prepare` first")
        unknown = [r for r in rater_ids if r not in known]
        if unknown:
            raise StudyError(f"no rater {unknown[0]!r} in study {study.study_id!r} (raters: {', '.join(known)})")
        chosen = list(rater_ids) or [r for r, row in known.items() if not row["invited_at"]]
        lines = ["rater,access_code"]
        for rater_id in chosen:
            code = codes.new_code()
            store.set_code(rater_id, code)
            lines.append(f"{rater_id},{code}")
    finally:
        store.close()
    path = out or study.output / "invitations.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig") as handle:
        handle.write("\n".join(lines) + "\n")
    return path
