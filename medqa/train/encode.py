"""The prescan: every training record encoded once before the first step, in parallel, with a cache.

The prescan finds the samples that cannot be trained on (unreadable image, over-long) and the length
and labelled-token count of every other one: the step plan needs the counts to normalise each step's
loss. It runs over all CPU cores (a fork pool: the processor is not re-loaded per worker), shows a
progress bar, and keeps its result in a small cache keyed by the records, their image files, the
processor and the format, so a resumed or repeated run starts at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
from pathlib import Path

from tqdm.auto import tqdm

from medqa.core.files import write_atomic
from medqa.core.imaging import ImageError
from medqa.train.collate import SampleEncoder, SampleError
from medqa.train.masking import IGNORE_INDEX

log = logging.getLogger("medqa.train")
_ENCODER: SampleEncoder | None = None  # the forked workers' encoder (inherited, never pickled)


def cache_dir() -> Path:
    """Where prescan results are kept: $MEDQA_CACHE, else ~/.cache/medqa."""
    return Path(os.environ.get("MEDQA_CACHE") or Path.home() / ".cache" / "medqa") / "prescan"


def _image_stamp(record: dict, encoder: SampleEncoder) -> list:
    stamps = []
    for name in record.get("images") or []:
        path = Path(name) if encoder.image_root is None else encoder.image_root / str(name)
        try:
            st = path.stat()
            stamps.append([str(name), st.st_size, st.st_mtime_ns])
        except OSError:
            stamps.append([str(name), None])
    return stamps


def cache_key(records: list[dict], encoder: SampleEncoder) -> str:
    """A digest of everything a sample's encoding depends on (records, image files, processor, format, limit)."""
    proc = encoder.processor
    h = hashlib.sha256()
    h.update(json.dumps([encoder.fmt.__dict__, encoder.max_length, str(encoder.image_root),
                         getattr(proc, "chat_template", None), len(proc.tokenizer),
                         proc.image_processor.to_dict() if hasattr(proc, "image_processor") else None],
                        sort_keys=True, default=str).encode())
    for record in records:
        h.update(json.dumps([record, _image_stamp(record, encoder)], sort_keys=True, default=str).encode())
    return h.hexdigest()[:32]


def encode_one(record: dict, encoder: SampleEncoder | None = None) -> list:
    """[length, labelled tokens] of one record, or [reason, message] when it cannot be trained on."""
    encoder = encoder or _ENCODER
    try:
        sample = encoder(record)
    except SampleError as exc:
        return [exc.reason, str(exc)]
    except ImageError as exc:
        return ["unreadable image", str(exc)]
    return [len(sample), int((sample.labels[1:] != IGNORE_INDEX).sum())]


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)  # one process per core: torch's own threads would fight over them


def _workers(n: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    wanted = int(os.environ.get("MEDQA_PRESCAN_WORKERS", cores))
    return max(1, min(wanted, n // 16 or 1))  # a pool pays off only past a few dozen samples


def encode_all(records: list[dict], encoder: SampleEncoder, use_cache: bool = True) -> list[tuple | list]:
    """`encode_one` of every record, in order: (length, labels) tuples for usable ones, [reason, message] lists.

    Lengths and labels do not depend on rope positions: pass an encoder without `rope_index` (cheaper).
    """
    global _ENCODER
    path = cache_dir() / f"{cache_key(records, encoder)}.json" if use_cache else None
    if path is not None and path.is_file():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if len(cached) == len(records):
                log.info("prescan: %d samples from the cache %s", len(records), path)
                return [tuple(x) if isinstance(x[0], int) else x for x in cached]
        except (OSError, ValueError):
            log.warning("prescan cache %s unreadable: encoding again", path)
    workers = _workers(len(records))
    bar = dict(total=len(records), desc="prescan", unit="sample", disable=None)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _ENCODER = encoder
        try:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_one_thread) as pool:
                out = list(tqdm(pool.imap(encode_one, records, chunksize=8), **bar))
        finally:
            _ENCODER = None
    else:
        out = [encode_one(r, encoder) for r in tqdm(records, **bar)]
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(out))
        except OSError as exc:  # a read-only home never stops a run
            log.warning("prescan cache not written (%s)", exc)
    return [tuple(x) if isinstance(x[0], int) else x for x in out]
