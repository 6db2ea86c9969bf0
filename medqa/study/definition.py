"""The study definition: a YAML file, checked when it loads, every problem named with its file and line.

```yaml
study: cxr-pairwise-1          # id: letters, digits, . _ -
title: 微调模型与基础模型对比     # shown to raters
language: zh                   # zh | en: the rater view and the report
design: pairwise               # single (one answer at a time) | pairwise (blind A vs B)
raters_per_case: 2
seed: 14                       # queue order, A/B sides and who rates what
decoding: {strategy: greedy, max_new_tokens: 256}
arms:                          # through the existing backends
  - {id: base, model: Qwen/Qwen2.5-VL-7B-Instruct}
  - {id: tuned, model: Qwen/Qwen2.5-VL-7B-Instruct, adapter: runs/lora-fold0}
  - {id: served, backend: openai, base_url: http://127.0.0.1:8000/v1, model: medqa-7b}
cases:                         # one of: a built dataset's fold, a folder + questions, a list
  dataset: data/openi-zh
  fold: 0
  qtypes: [description, impression]
  limit: 40
raters:
  - {id: dr_wang}
  - {id: dr_li, code_hash: "scrypt$..."}   # optional; else `python -m medqa.study invite`
```

Relative paths are relative to the YAML file's folder. `output` (default: `<file stem>.study/`
beside the file) holds the prepared answers, the case images and the reports; `db` (default:
`OUTPUT/study.db`) is a SQLite file or a postgresql:// URL.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from medqa.core.db import is_postgres_url
from medqa.serve.decoding import DecodingSettings

DESIGNS = ("single", "pairwise")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOP = ("study", "title", "language", "design", "raters_per_case", "seed", "decoding", "arms", "cases", "raters",
        "output", "db", "batch_size")
_ARM = ("id", "backend", "model", "adapter", "base_url", "quantization", "decoding", "api_key_env", "image_root")
_CASES = ("dataset", "fold", "qtypes", "limit", "per_record", "images", "questions", "items", "patient_pattern")
_RATER = ("id", "code_hash")


class StudyError(ValueError):
    """A study file that cannot be used; the message names the file, the line and the problem."""


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings remember the line of each key."""


class _Mapping(dict):
    lines: dict[str, int]
    line: int


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping(loader.construct_mapping(node, deep=True))
    mapping.lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class ArmSpec:
    """One arm: what answers (a local model + adapter, or an OpenAI-compatible endpoint) and how it decodes."""

    arm_id: str
    backend: str = "local"
    model: str | None = None
    adapter: str | None = None
    base_url: str | None = None
    quantization: str = "none"
    api_key_env: str = "OPENAI_API_KEY"
    image_root: str | None = None
    decoding: DecodingSettings = field(default_factory=DecodingSettings)

    def describe(self) -> dict:
        """The arm as stored with the study (no secrets: the key's variable name only)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "decoding"}
        return out | {"decoding": self.decoding.to_dict()}


@dataclass(frozen=True)
class CaseSource:
    """Where the cases come from: a dataset fold, a folder of images x questions, or an explicit list."""

    kind: str  # "dataset" | "folder" | "items"
    dataset: Path | None = None
    fold: int = 0
    qtypes: tuple[str, ...] = ()
    limit: int | None = None
    per_record: int = 1
    images: Path | None = None
    questions: tuple[str, ...] = ()
    items: tuple[dict, ...] = ()
    patient_pattern: str = r"^([^_]+)_"


@dataclass(frozen=True)
class Study:
    """A loaded, checked study definition."""

    path: Path
    study_id: str
    title: str
    language: str
    design: str
    raters_per_case: int
    seed: int
    arms: tuple[ArmSpec, ...]
    cases: CaseSource
    raters: tuple[tuple[str, str | None], ...]  # (rater id, code hash or None)
    output: Path
    db: str
    batch_size: int = 4
    raw: dict = field(default_factory=dict, repr=False, compare=False)


class _Checker:
    """Error messages that name the file and line of the value they are about."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: Any, key: str | None, message: str) -> StudyError:
        line = where.lines.get(key, where.line) if isinstance(where, _Mapping) and key else getattr(where, "line", "?")
        return StudyError(f"{self.path}:{line}: {message}")

    def keys(self, mapping: Any, allowed: tuple[str, ...], what: str) -> _Mapping:
        if not isinstance(mapping, _Mapping):
            raise StudyError(f"{self.path}: {what} must be a mapping of key: value")
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.fail(mapping, key, f"unknown key {key!r} in {what}{hint}; allowed: {', '.join(allowed)}")
        return mapping

    def get(self, mapping: _Mapping, key: str, kind: type | tuple, default: Any = ..., what: str = "") -> Any:
        if key not in mapping or mapping[key] is None:
            if default is ...:
                raise self.fail(mapping, None, f"{what or 'the study'} needs {key!r}")
            return default
        value = mapping[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(mapping, key, f"{key!r} must be a {_kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise self.fail(mapping, key, f"{key!r} must be a {_kind_name(kind)}, got {value!r}")
        return value

    def ident(self, mapping: _Mapping, key: str, what: str) -> str:
        value = str(self.get(mapping, key, (str, int), what=what))
        if not _ID.match(value):
            raise self.fail(mapping, key, f"{what} {key} {value!r}: use letters, digits, '.', '_' or '-' "
                                          f"(up to 64, starting with a letter or digit)")
        return value


def _kind_name(kind: type | tuple) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", int: "whole number", list: "list", dict: "mapping", float: "number", bool: "true/false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _decoding(check: _Checker, mapping: _Mapping, key: str, base: DecodingSettings) -> DecodingSettings:
    value = check.get(mapping, key, dict, {})
    names = [f.name for f in fields(DecodingSettings)]
    for name in value:
        if name not in names:
            raise check.fail(value, name, f"unknown decoding setting {name!r}; allowed: {', '.join(names)}")
    try:
        return DecodingSettings(**(base.to_dict() | dict(value)))
    except (TypeError, ValueError) as exc:
        raise check.fail(mapping, key, f"decoding: {exc}") from None


def _arm(check: _Checker, raw: Any, base: DecodingSettings, folder: Path) -> ArmSpec:
    arm = check.keys(raw, _ARM, "an arm")
    arm_id = check.ident(arm, "id", "arm")
    backend = check.get(arm, "backend", str, "local")
    if backend not in ("local", "openai"):
        raise check.fail(arm, "backend", f"arm {arm_id}: backend must be local or openai, got {backend!r}")
    model, adapter = check.get(arm, "model", str, None), check.get(arm, "adapter", str, None)
    base_url = check.get(arm, "base_url", str, None)
    if backend == "openai" and not (base_url and model):
        raise check.fail(arm, None, f"arm {arm_id}: backend openai needs base_url (e.g. http://127.0.0.1:8000/v1) "
                                    f"and model (the served model's name)")
    if backend == "local" and not (model or adapter):
        raise check.fail(arm, None, f"arm {arm_id}: give model (a hub id or folder) and/or adapter (a LoRA folder)")
    local = {k: _local_path(folder, v, always=k == "adapter") for k, v in (("model", model), ("adapter", adapter))
             if v}
    return ArmSpec(arm_id, backend, local.get("model", model) if backend == "local" else model,
                   local.get("adapter"), base_url, check.get(arm, "quantization", str, "none"),
                   check.get(arm, "api_key_env", str, "OPENAI_API_KEY"),
                   str(folder / arm["image_root"]) if arm.get("image_root") else None,
                   _decoding(check, arm, "decoding", base))


def _local_path(folder: Path, value: str, *, always: bool = False) -> str:
    """A relative path against the study file's folder; a model that is not a path (a hub id, tiny) as given."""
    if Path(value).is_absolute():
        return value
    candidate = (folder / value).resolve()
    return str(candidate) if always or value.startswith((".", "~")) or candidate.exists() else value


def _cases(check: _Checker, raw: Any, folder: Path) -> CaseSource:
    cases = check.keys(raw, _CASES, "cases")
    given = [k for k in ("dataset", "images", "items") if cases.get(k) is not None]
    if len(given) != 1:
        raise check.fail(cases, None, "cases need exactly one of: dataset (a built dataset folder, with fold), "
                                      "images (a folder, with questions), or items (a list of image + question)")
    limit = check.get(cases, "limit", int, None)
    if limit is not None and limit < 1:
        raise check.fail(cases, "limit", "limit must be at least 1")
    pattern = check.get(cases, "patient_pattern", str, r"^([^_]+)_")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise check.fail(cases, "patient_pattern", f"patient_pattern is not a regular expression: {exc}") from None
    common = {"limit": limit, "patient_pattern": pattern}
    if given[0] == "dataset":
        qtypes = tuple(str(q) for q in check.get(cases, "qtypes", list, []))
        return CaseSource("dataset", dataset=folder / check.get(cases, "dataset", str),
                          fold=check.get(cases, "fold", int, 0), qtypes=qtypes,
                          per_record=check.get(cases, "per_record", int, 1), **common)
    if given[0] == "images":
        questions = check.get(cases, "questions", list, what="cases with images")
        if not questions or not all(isinstance(q, str) and q.strip() for q in questions):
            raise check.fail(cases, "questions", "questions must be a non-empty list of question texts")
        return CaseSource("folder", images=folder / check.get(cases, "images", str),
                          questions=tuple(q.strip() for q in questions), **common)
    items = check.get(cases, "items", list)
    out = []
    for item in items:
        item = check.keys(item, ("image", "question", "patient", "reference"), "a case item")
        image, question = check.get(item, "image", str, what="a case item"), check.get(item, "question", str,
                                                                                       what="a case item")
        out.append({"image": str(folder / image), "question": question.strip(), "line": item.line,
                    "patient": str(item["patient"]) if item.get("patient") is not None else None,
                    "reference": item.get("reference")})
    if not out:
        raise check.fail(cases, "items", "items is empty")
    return CaseSource("items", items=tuple(out), **common)


def _raters(check: _Checker, raw: Any) -> tuple[tuple[str, str | None], ...]:
    if not isinstance(raw, list) or not raw:
        raise StudyError(f"{check.path}: raters must be a non-empty list of {{id: ...}}")
    out, seen = [], set()
    for entry in raw:
        entry = check.keys(entry, _RATER, "a rater")
        rater_id = check.ident(entry, "id", "rater")
        if rater_id in seen:
            raise check.fail(entry, "id", f"rater {rater_id!r} is listed twice")
        code_hash = check.get(entry, "code_hash", str, None)
        if code_hash is not None and not code_hash.startswith("scrypt$"):
            raise check.fail(entry, "code_hash", "code_hash must come from `python -m medqa.study hash-code`")
        seen.add(rater_id)
        out.append((rater_id, code_hash))
    return tuple(out)


def _read(path: Path) -> _Mapping:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (a SafeLoader)
    except OSError as exc:
        raise StudyError(f"study file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise StudyError(f"study file {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, _Mapping):
        raise StudyError(f"{path}: a study file is a mapping (study:, arms:, cases:, raters:, ...)")
    return raw


def load_study(path: str | Path) -> Study:
    """Read and check a study file; StudyError names the file, line and problem."""
    path = Path(path)
    check, folder = _Checker(path), path.resolve().parent
    raw = check.keys(_read(path), _TOP, "the study")
    study_id = check.ident(raw, "study", "the study's")
    design = check.get(raw, "design", str)
    if design not in DESIGNS:
        raise check.fail(raw, "design", f"design must be single or pairwise, got {design!r}")
    language = check.get(raw, "language", str, "zh")
    if language not in ("zh", "en"):
        raise check.fail(raw, "language", f"language must be zh or en, got {language!r}")
    base = _decoding(check, raw, "decoding", DecodingSettings())
    arm_list = check.get(raw, "arms", list)
    arms = tuple(_arm(check, a, base, folder) for a in arm_list)
    if len({a.arm_id for a in arms}) != len(arms):
        raise check.fail(raw, "arms", "two arms have the same id")
    if not arms or (design == "pairwise" and len(arms) < 2):
        need = "two or more arms" if design == "pairwise" else "an arm"
        raise check.fail(raw, "arms", f"a {design} study needs {need}")
    raters = _raters(check, raw.get("raters"))
    per_case = check.get(raw, "raters_per_case", int, 1)
    if not 1 <= per_case <= len(raters):
        raise check.fail(raw, "raters_per_case", f"raters_per_case must be 1-{len(raters)} (the number of raters)")
    output = (folder / check.get(raw, "output", str, f"{path.stem}.study")).resolve()
    db = check.get(raw, "db", str, str(output / "study.db"))
    db = db if is_postgres_url(db) else str(folder / db)
    batch = check.get(raw, "batch_size", int, 4)
    return Study(path, study_id, str(check.get(raw, "title", str, study_id)), language, design, per_case,
                 check.get(raw, "seed", int, 0), arms, _cases(check, check.get(raw, "cases", dict), folder), raters,
                 output, db, max(1, batch), raw=_plain(raw))


def _plain(value: Any) -> Any:
    """The parsed YAML as plain dicts and lists (stored with the study for the record)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
