"""The build's output folder: everything is written into a new folder beside --out, swapped in when complete.

A build that is interrupted (Ctrl-C, SIGTERM, a crash) or fails (every LLM call refused, nothing
built) must leave the previous dataset exactly as it was: folds from one seed with the card of
another would put held-out patients into training. So the files are written into
`.NAME.building-PID` next to `--out`, and only a complete folder replaces `--out`, by two renames
during which Ctrl-C is held back. Fold files of an earlier, larger `--folds` cannot survive either:
the old folder goes as a whole.

A non-empty `--out` is replaced only when medqa built it (its `dataset.json` and only files a
build writes) or with `--overwrite`. The LLM reply cache may live inside `--out`; it is not part of
the dataset, it is carried over into the new folder.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from medqa.core.conversation import FORMAT_FILE
from medqa.data.folds import DATASET_META

log = logging.getLogger("medqa.data")

BUILT_FILES = re.compile(rf"fold_\d+\.jsonl|exports|README\.md|skipped\.txt|{re.escape(DATASET_META)}|"
                         rf"{re.escape(FORMAT_FILE)}")
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


class OutputError(ValueError):
    """--out cannot be written: not empty and not a medqa dataset, or not a folder."""


def cache_files(cache: Path | None, out: Path) -> list[str]:
    """Names of the reply cache's files when the cache lives directly inside `out` (they are carried over)."""
    if cache is None or Path(cache).resolve().parent != Path(out).resolve():
        return []
    return [Path(cache).name + suffix for suffix in SQLITE_SIDE_FILES]


def check_out(out: Path, overwrite: bool, carried: Iterable[str] = ()) -> None:
    """OutputError unless `out` is absent, empty, a medqa dataset, or `overwrite` says to replace it."""
    out = Path(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder")
    entries = sorted(p.name for p in out.iterdir() if p.name not in set(carried))
    foreign = [name for name in entries if not BUILT_FILES.fullmatch(name)]
    dataset = _is_dataset(out)
    if not entries or overwrite or (dataset and not foreign):
        return
    named = foreign if dataset else entries
    shown = ", ".join(named[:5]) + (", ..." if len(named) > 5 else "")
    what = "holds files a build does not write" if dataset else "was not built by medqa"
    raise OutputError(f"--out {out} is not empty and {what} ({shown}); choose an empty or new folder, "
                      "or pass --overwrite to replace everything in it")


def _is_dataset(folder: Path) -> bool:
    try:
        meta = json.loads((folder / DATASET_META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and {"folds", "generator"} <= meta.keys()


def new_staging(out: Path) -> Path:
    """A fresh, empty folder beside `out` to build into; leftovers of builds that died are removed first."""
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.building-*"):
        pid = stale.name.rpartition("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def discard(staging: Path) -> None:
    """Remove an unfinished build folder."""
    shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, out: Path, carried: Iterable[str] = ()) -> None:
    """Make the complete `staging` folder `out`: carried files move in, the old folder goes, as one step."""
    out = Path(out).absolute()
    with _interrupts_held():
        for name in carried:
            if (out / name).exists():
                os.replace(out / name, staging / name)
        if not out.exists():
            os.rename(staging, out)
            return
        old = out.parent / f".{out.name}.replaced-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(out, old)
        os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)
    if old.exists():
        log.warning("could not remove the replaced dataset %s; delete it by hand", old)


@contextmanager
def _interrupts_held():
    """Hold SIGINT/SIGTERM for the two renames: a Ctrl-C then neither leaves --out missing nor undoes the build."""
    caught: list[int] = []
    try:
        # A signal the process ignores (SIGINT of a job the shell started in the background) stays ignored.
        previous = {sig: signal.signal(sig, lambda number, _frame: caught.append(number))
                    for sig in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(sig) is not signal.SIG_IGN}
    except ValueError:  # not the main thread: signals go to the main thread anyway
        previous = {}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            log.warning("interrupt received while the finished dataset was moved into place; the build is complete")
