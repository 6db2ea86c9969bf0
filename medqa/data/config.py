"""`python -m medqa.data build`'s options: which reports, which images, which generator, where to write."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


@dataclass
class BuildArguments:
    """What to build from where, and how the LLM generator (the paper's method) is reached."""

    reports: Path = field(metadata={
        "help": "indiana_reports.csv (Kaggle form) or a folder of NLM ecgen-radiology *.xml files"})
    out: Path = field(metadata={"help": "output folder for fold_K.jsonl, exports and the card"})
    projections: Path | None = field(default=None, metadata={
        "default_text": "indiana_projections.csv beside --reports",
        "help": "indiana_projections.csv (uid,filename,projection); needed with the CSV form to know each "
                "report's images, optional with XML (adds frontal/lateral)"})
    generator: Literal["rule", "llm"] = field(default="rule", metadata={
        "help": "rule: offline, deterministic, from the report's MeSH terms and text; llm: an OpenAI-compatible "
                "chat model writes the pairs (the paper's method)"})
    images_dir: Path | None = field(default=None, metadata={
        "help": "folder of the PNGs (Kaggle '<uid>_IM-....dcm.png' or Open-i 'CXR<uid>_....png', any depth); images "
                "not found there are skipped and counted, and paths become relative to it"})
    folds: int = field(default=5, metadata={"help": "number of patient-level folds"})
    seed: int = field(default=0, metadata={"help": "seed for the fold split and question wording"})
    overwrite: bool = field(default=False, metadata={
        "help": "replace a non-empty --out that medqa did not build (everything in it is deleted); a medqa "
                "dataset there is replaced without it, and only once the new build is complete"})
    llm_base_url: str | None = field(default=None, metadata={
        "help": "llm generator: OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1"})
    llm_model: str | None = field(default=None, metadata={
        "help": "llm generator: model name to request, e.g. gpt-4o or Qwen/Qwen2.5-72B-Instruct"})
    llm_api_key_env: str = field(default="OPENAI_API_KEY", metadata={
        "help": "llm generator: environment variable holding the API key (unset: no Authorization header)"})
    llm_concurrency: int = field(default=4, metadata={"help": "llm generator: requests in flight at once"})
    llm_timeout: float = field(default=60.0, metadata={
        "help": "llm generator: seconds one request may take before it is retried (Ctrl-C does not wait for it)"})
    llm_cache: Path | None = field(default=None, metadata={
        "default_text": "OUT/llm_cache.sqlite",
        "help": "llm generator: SQLite cache of replies; reruns never pay twice"})
    llm_price_in: float = field(default=0.0, metadata={"help": "llm generator: price per million prompt tokens"})
    llm_price_out: float = field(default=0.0, metadata={"help": "llm generator: price per million completion tokens"})

    @property
    def cache_path(self) -> Path:
        """Where the LLM generator caches replies."""
        return Path(self.llm_cache) if self.llm_cache else self.out / "llm_cache.sqlite"

    def __post_init__(self) -> None:
        self.reports, self.out = Path(self.reports), Path(self.out)
        if self.projections is None and self.reports.suffix.lower() == ".csv":
            guess = self.reports.with_name("indiana_projections.csv")
            self.projections = guess if guess.is_file() else None
        if self.folds < 2:
            raise ValueError(f"--folds must be at least 2, got {self.folds}")
        if self.llm_timeout <= 0:
            raise ValueError(f"--llm-timeout must be more than 0 seconds, got {self.llm_timeout}")
        if self.generator == "llm" and not (self.llm_base_url and self.llm_model):
            raise ValueError("--generator llm needs --llm-base-url and --llm-model")


OPTIONS = (BuildArguments,)  # `python -m medqa.data build`'s options


@dataclass
class AuditArguments:
    """Write a review sheet of a built dataset (DIR), or total the verdicts of a marked one (--score)."""

    dir: Path | None = field(default=None, metadata={
        "help": "built dataset folder (fold_*.jsonl, dataset.json) to sample; also the first argument"})
    sample: int = field(default=100, metadata={"help": "reports to put on the sheet (one conversation each)"})
    seed: int = field(default=0, metadata={"help": "seed of the report sample"})
    out: Path | None = field(default=None, metadata={
        "default_text": "DIR/audit_sheet.csv", "help": "where to write the sheet (CSV, UTF-8 with BOM)"})
    reports: Path | None = field(default=None, metadata={
        "default_text": "the reports file dataset.json names",
        "help": "indiana_reports.csv or XML folder the dataset was built from (findings, impression, MeSH)"})
    score: Path | None = field(default=None, metadata={
        "help": "a marked sheet: total its verdicts (faithful / wrong / unsupported / misleading) instead of "
                "writing one"})

    def __post_init__(self) -> None:
        if self.dir is None and self.score is None:
            raise ValueError("give a dataset folder to sample (DIR) or a marked sheet to total (--score)")
        if self.sample < 1:
            raise ValueError(f"--sample must be at least 1, got {self.sample}")


AUDIT_OPTIONS = (AuditArguments,)  # `python -m medqa.data audit`'s options


@dataclass
class ExportArguments:
    """Which built dataset to export, for images in which folder, and for which base model's training YAML."""

    data: Path = field(metadata={"help": "the dataset folder `python -m medqa.data build` wrote"})
    image_root: Path | None = field(default=None, metadata={
        "default_text": "the image folder in DATA/dataset.json",
        "help": "folder the records' image paths are relative to (where the images are now)"})
    base_model: str = field(default="Qwen/Qwen2.5-VL-7B-Instruct", metadata={
        "help": "model_name_or_path written into the LLaMA-Factory training YAMLs"})
    max_pixels: int = field(default=448 * 448, metadata={
        "help": "image pixel budget written into the LLaMA-Factory YAMLs (image_max_pixels), as train.py's"})

    def __post_init__(self) -> None:
        self.data = Path(self.data)
        self.image_root = Path(self.image_root) if self.image_root else None


EXPORT_OPTIONS = (ExportArguments,)  # `python -m medqa.data export`'s options


@dataclass
class DownloadArguments:
    """Where to put the Open-i collection, and from where to fetch it."""

    out: Path = field(metadata={
        "help": "folder for the collection: OUT/reports/ecgen-radiology/*.xml and OUT/images/*.png (created)"})
    base_url: str | None = field(default=None, metadata={
        "default_text": "the manifest's, https://openi.nlm.nih.gov/imgs/collections/",
        "help": "where the archives are (a mirror holding the same file names)"})
    manifest: Path | None = field(default=None, metadata={
        "default_text": "medqa/data/openi_archives.yaml",
        "help": "YAML list of the archives, each with name, file, size, sha256, unpack_to, expect and build, as in "
                "medqa/data/openi_archives.yaml (a mirror serving other archives needs its own)"})
    only: list[str] | None = field(default=None, metadata={
        "default_text": "every archive", "help": "fetch only these archives of the manifest, e.g. reports"})
    dry_run: bool = field(default=False, metadata={
        "help": "say what would be fetched, from where, how big, and what is already there; fetch nothing"})
    skip_checksum: bool = field(default=False, metadata={
        "help": "accept an archive whose SHA-256 differs from the manifest's (the NLM publishes none; the "
                "manifest's were recorded by others); size, gzip CRC and file count are still checked"})
    retries: int = field(default=3, metadata={"help": "times a dropped transfer resumes before giving up"})
    progress: bool = field(default=True, metadata={"help": "show progress bars (--no_progress hides them)"})

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        if self.retries < 0:
            raise ValueError(f"--retries must be 0 or more, got {self.retries}")


DOWNLOAD_OPTIONS = (DownloadArguments,)  # `python -m medqa.data download`'s options


@dataclass
class LexiconArguments:
    """Check the lexicon table (medqa/vocab/lexicon.tsv) and, with --out, export it as a review sheet."""

    table: Path | None = field(default=None, metadata={
        "default_text": "medqa/vocab/lexicon.tsv", "help": "the lexicon table to check"})
    out: Path | None = field(default=None, metadata={
        "help": "write a review sheet here (CSV, UTF-8 with BOM): every entry, and the names composed from them"})


LEXICON_OPTIONS = (LexiconArguments,)  # `python -m medqa.data lexicon`'s options
