"""Command line of the dataset stage: `python -m medqa.data build --reports ... --out ...`.

Each subcommand's options are a config dataclass (medqa.data.config), read by the one config
system: command line, `--config FILE`, or MEDQA_<OPTION> environment variables.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from contextlib import contextmanager

from medqa.core.config import parse_config
from medqa.data.config import AUDIT_OPTIONS, DOWNLOAD_OPTIONS, EXPORT_OPTIONS, LEXICON_OPTIONS, OPTIONS
from medqa.data.openi import InputError

PROG = "python -m medqa.data"


def make_generator(args):
    """The question/answer generator the options ask for."""
    if args.generator == "rule":
        from medqa.data.rule import RuleGenerator

        return RuleGenerator(seed=args.seed)
    from medqa.data.llm import LLMGenerator, LLMSettings

    settings = LLMSettings(
        base_url=args.llm_base_url, model=args.llm_model, api_key_env=args.llm_api_key_env,
        concurrency=args.llm_concurrency, timeout_s=args.llm_timeout, price_in_per_mtok=args.llm_price_in,
        price_out_per_mtok=args.llm_price_out, cache_path=args.cache_path)
    return LLMGenerator(settings)


def build(argv: list[str]) -> int:
    """Build the k-fold Chinese VQA dataset: one conversation per image, folds split by patient."""
    from medqa.data.build import BuildError, build_dataset
    from medqa.data.outdir import OutputError
    from medqa.data.qa import GenerationStopped

    (args,) = parse_config(OPTIONS, argv, prog=f"{PROG} build", description=build.__doc__)
    try:
        with _sigterm_as_interrupt():
            result = build_dataset(args, make_generator(args))
    except KeyboardInterrupt:
        print(f"interrupted: nothing was written; {args.out} is as it was before this build", file=sys.stderr)
        return 130
    except (InputError, OutputError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except GenerationStopped as exc:
        print(f"error: {exc}; {args.out} was left as it was", file=sys.stderr)
        return 1
    sizes = ", ".join(f"fold {k}: {len(v)}" for k, v in sorted(result.folds.items()))
    print(f"read {result.n_reports_read} reports -> {result.n_records} conversations ({sizes}) "
          f"in {result.seconds:.1f}s")
    print(f"skipped: {result.skips.summary()}")
    if result.empty_folds:
        print(f"warning: fold(s) {', '.join(map(str, result.empty_folds))} are empty: too few patients for "
              f"{len(result.folds)} folds; build with fewer --folds")
    print(f"wrote {result.out}/fold_*.jsonl, exports/, README.md, skipped.txt")
    return 0


def audit(argv: list[str]) -> int:
    """Write a clinician's review sheet of a built dataset (DIR --sample N --seed S), or total one (--score SHEET)."""
    from medqa.data.audit import SheetError, format_score, score_sheet, write_sheet

    (args,) = parse_config(AUDIT_OPTIONS, argv, prog=f"{PROG} audit", description=audit.__doc__, positional=("dir",))
    try:
        if args.score is not None:
            print(format_score(score_sheet(args.score)), end="")
            return 0
        path, n_reports, n_rows = write_sheet(args.dir, args.sample, args.seed, args.out, args.reports)
    except (SheetError, InputError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: {n_rows} pairs of {n_reports} reports; mark the verdict column "
          f"(faithful / wrong / unsupported / misleading), then run `{PROG} audit --score {path}`")
    return 0


def export(argv: list[str]) -> int:
    """Write the exports again (LLaMA-Factory, ms-swift, Qwen-VL v1, Hugging Face) for where the images are now."""
    from medqa.core.conversation import ConversationFormat
    from medqa.data.export import ExportError, write_exports
    from medqa.data.folds import load_dataset_meta, read_folds

    (args,) = parse_config(EXPORT_OPTIONS, argv, prog=f"{PROG} export", description=export.__doc__,
                           positional=("data",))
    try:
        meta = load_dataset_meta(args.data)
        folds = {k: read_folds(args.data, [k]) for k in range(meta["folds"])}
        root = args.image_root or meta.get("image_root")
        write_exports(folds, args.data, ConversationFormat.load_or_default(args.data), root, args.base_model,
                      args.max_pixels)
    except (ExportError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.data / 'exports'} for images under {root or '(no image root: paths as in the records)'}")
    return 0


def import_(argv: list[str]) -> int:
    """Import a public dataset as a medqa dataset: `import slake SLAKE_DIR --out DIR [--lang zh] [--modality X-Ray]`."""
    from medqa.data.outdir import OutputError
    from medqa.data.slake import SlakeError
    from medqa.data.slake_import import IMPORT_OPTIONS, import_slake

    if not argv or argv[0] in ("-h", "--help") or argv[0] != "slake":
        known = bool(argv) and argv[0] in ("-h", "--help")
        print(f"usage: {PROG} import slake SLAKE_DIR --out DIR [options]   (import slake --help for them)",
              file=sys.stdout if known else sys.stderr)
        if argv and not known:
            print(f"{PROG} import: error: unknown source {argv[0]!r}: the one importer is 'slake'", file=sys.stderr)
        return 0 if known else 2
    (args,) = parse_config(IMPORT_OPTIONS, argv[1:], prog=f"{PROG} import slake", description=import_.__doc__,
                           positional=("slake_dir",))
    try:
        out, folds, skips = import_slake(args)
    except KeyboardInterrupt:
        print(f"interrupted: nothing was written; {args.out} is as it was before", file=sys.stderr)
        return 130
    except (SlakeError, OutputError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sizes = ", ".join(f"fold {k} ({split}): {len(folds[k])}" for k, split in enumerate(("train", "validate", "test")))
    print(f"wrote {out}: {sum(map(len, folds.values()))} conversations ({sizes}); skipped: {skips.summary()}")
    return 0


def download(argv: list[str]) -> int:
    """Fetch the Open-i collection the paper used (NLM reports XML and PNG images): resumable, verified, unpacked."""
    from medqa.data.archives import MANIFEST, ArchiveError, ManifestError, load_manifest
    from medqa.data.download import build_command, describe, plan, run
    from medqa.data.fetch import FetchError

    (args,) = parse_config(DOWNLOAD_OPTIONS, argv, prog=f"{PROG} download", description=download.__doc__)
    try:
        steps = plan(load_manifest(args.manifest or MANIFEST), args.out, args.base_url, args.only)
    except (ManifestError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(describe(steps))
        return 0
    try:
        with _sigterm_as_interrupt():
            folders = run(steps, check_sha=not args.skip_checksum, retries=args.retries, progress=args.progress)
    except KeyboardInterrupt:
        print(f"interrupted: what was fetched is kept in {args.out} (*.part); run the same command again to resume",
              file=sys.stderr)
        return 130
    except (FetchError, ArchiveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("ready: " + ", ".join(str(f) for f in folders))
    command = build_command(steps)
    if command:
        print(f"build the dataset from it:\n  {command}")
    return 0


def lexicon(argv: list[str]) -> int:
    """Check the lexicon table (English, Chinese, kind, reviewed, note) and export it for review (--out SHEET)."""
    from medqa.data.lexicon_review import check, summary, write_sheet
    from medqa.vocab.clauses import read_cues
    from medqa.vocab.lexicon_table import LexiconError
    from medqa.vocab.words import read_words

    (args,) = parse_config(LEXICON_OPTIONS, argv, prog=f"{PROG} lexicon", description=lexicon.__doc__)
    try:
        rows = check(args.table)
        vocabulary = read_words()
        cues = sum(len(v) for v in read_cues().values())
        written = write_sheet(args.out, rows) if args.out else None
    except (LexiconError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    s = summary(rows)
    tables = ", ".join(f"{k}: {v}" for k, v in s["per table"].items())
    print(f"lexicon ok: {s['entries']} entries ({tables}); reviewed by a clinician: {s['reviewed']}")
    print(f"English vocabulary ok: {len(vocabulary)} rows (medqa/vocab/words.tsv); clause cues ok: {cues} rows "
          "(medqa/vocab/clauses.tsv)")
    if written:
        print(f"wrote {written}: mark `reviewed` yes and add a note per row, then copy the verdicts into the table")
    return 0


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (a job scheduler, `kill`) stops the build like Ctrl-C: cleaned up, --out untouched."""
    def stop(_signum, _frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


COMMANDS: dict[str, Callable[[list[str]], int]] = {"build": build, "audit": audit, "export": export,
                                                    "import": import_, "download": download, "lexicon": lexicon}


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; `--help` lists them."""
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        lines = [f"usage: {PROG} COMMAND [options]   ({PROG} COMMAND --help for its options)", "", "commands:"]
        lines += [f"  {name:8} {fn.__doc__.splitlines()[0]}" for name, fn in COMMANDS.items()]
        known = not argv or argv[0] in ("-h", "--help")
        print("\n".join(lines), file=sys.stdout if known else sys.stderr)
        if not known:
            print(f"{PROG}: error: unknown command {argv[0]!r}", file=sys.stderr)
        return 0 if known else 2
    return COMMANDS[argv[0]](argv[1:])
