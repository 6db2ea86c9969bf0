"""Command line of the dataset builder: `python -m medqa.data build --reports ... --out ...`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from medqa.data.build import BuildConfig, build_dataset
from medqa.data.openi import InputError


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m medqa.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build", help="build the k-fold Chinese VQA dataset",
        description="Turn Open-i / IU X-ray reports into Chinese question/answer conversations, one per "
                    "image, split into k folds by patient, with exports and a dataset card.")
    b.add_argument("--reports", type=Path, required=True,
                   help="indiana_reports.csv (Kaggle form) or a folder of NLM ecgen-radiology *.xml files")
    b.add_argument("--projections", type=Path, default=None,
                   help="indiana_projections.csv (uid,filename,projection); needed with the CSV form to know "
                        "each report's images, optional with XML (adds frontal/lateral)")
    b.add_argument("--out", type=Path, required=True, help="output folder for fold_K.jsonl, exports and the card")
    b.add_argument("--generator", choices=("rule", "llm"), default="rule",
                   help="rule: offline, deterministic, from MeSH terms; llm: an OpenAI-compatible chat model "
                        "writes the pairs (the paper's method)")
    b.add_argument("--images-dir", type=Path, default=None,
                   help="folder of the PNGs (Kaggle '<uid>_IM-....dcm.png' or Open-i 'CXR<uid>_....png', any "
                        "depth); images not found there are skipped and counted, and paths become relative to it")
    b.add_argument("--folds", type=int, default=5, help="number of patient-level folds (default 5)")
    b.add_argument("--seed", type=int, default=0, help="seed for the fold split and question wording (default 0)")
    llm = b.add_argument_group("llm generator")
    llm.add_argument("--llm-base-url", default=None, help="OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1")
    llm.add_argument("--llm-model", default=None,
                     help="model name to request, e.g. gpt-4o or Qwen/Qwen2.5-72B-Instruct")
    llm.add_argument("--llm-api-key-env", default="OPENAI_API_KEY",
                     help="environment variable holding the API key (unset: no Authorization header)")
    llm.add_argument("--llm-concurrency", type=int, default=4, help="requests in flight at once (default 4)")
    llm.add_argument("--llm-cache", type=Path, default=None,
                     help="SQLite cache of replies (default OUT/llm_cache.sqlite); reruns never pay twice")
    llm.add_argument("--llm-price-in", type=float, default=0.0, help="price per million prompt tokens, for the cost")
    llm.add_argument("--llm-price-out", type=float, default=0.0,
                     help="price per million completion tokens, for the cost")
    return parser


def make_generator(args: argparse.Namespace):
    """The generator the options ask for; a clear error for missing LLM settings."""
    if args.generator == "rule":
        from medqa.data.rule import RuleGenerator

        return RuleGenerator(seed=args.seed)
    if not args.llm_base_url or not args.llm_model:
        raise InputError("--generator llm needs --llm-base-url and --llm-model")
    from medqa.data.llm import LLMGenerator, LLMSettings

    settings = LLMSettings(
        base_url=args.llm_base_url, model=args.llm_model, api_key_env=args.llm_api_key_env,
        concurrency=args.llm_concurrency, price_in_per_mtok=args.llm_price_in,
        price_out_per_mtok=args.llm_price_out, cache_path=args.llm_cache or args.out / "llm_cache.sqlite")
    return LLMGenerator(settings)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.projections is None and args.reports.suffix.lower() == ".csv":
        guess = args.reports.with_name("indiana_projections.csv")
        args.projections = guess if guess.is_file() else None
    config = BuildConfig(reports=args.reports, out=args.out, projections=args.projections,
                         images_dir=args.images_dir, folds=args.folds, seed=args.seed)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        result = build_dataset(config, make_generator(args))
    except (InputError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sizes = ", ".join(f"fold {k}: {len(v)}" for k, v in sorted(result.folds.items()))
    print(f"read {result.n_reports_read} reports -> {result.n_records} conversations ({sizes}) "
          f"in {result.seconds:.1f}s")
    print(f"skipped: {result.skips.summary()}")
    print(f"wrote {result.out}/fold_*.jsonl, exports/, README.md, skipped.txt")
    return 0
