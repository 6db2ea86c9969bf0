"""The example X-rays as a gallery of small named thumbnails, instead of a list of cut-off file paths.

Thumbnails (at most `MAX_THUMBNAILS`, 192 px on the long side, PNG) are made once when the demo
starts, into a folder of their own; the examples themselves stay where they are and are opened in
place when one is picked. A file that cannot be read gets no thumbnail (it stays in the list).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from medqa.app.examples import example_path

log = logging.getLogger("medqa.app")
MAX_THUMBNAILS = 48
THUMBNAIL_SIDE = 192


def example_label(name: str) -> str:
    """A short name for an example: the file name without folders and image suffixes ('1001_IM-0004-1001')."""
    stem = Path(name).name
    for suffix in (".png", ".jpg", ".jpeg", ".dcm", ".dicom", ".dcm"):
        stem = stem.removesuffix(suffix).removesuffix(suffix.upper())
    return stem


def make_thumbnails(folder: str | None, names: list[str], limit: int = MAX_THUMBNAILS) -> list[tuple[str, str, str]]:
    """[(thumbnail path, label, example name)] for the first `limit` examples that can be read."""
    from medqa.core.imaging import load_image

    if not folder or not names:
        return []
    out_dir = Path(tempfile.mkdtemp(prefix="medqa-thumbnails-"))
    thumbs = []
    for k, name in enumerate(names[:limit]):
        try:
            image = load_image(example_path(folder, name), name=name, fit_pixels=THUMBNAIL_SIDE * THUMBNAIL_SIDE)
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            path = out_dir / f"{k:03d}.png"
            image.save(path)
        except Exception as exc:  # one unreadable example must not stop the demo
            log.warning("no thumbnail for example %s: %s", name, exc)
            continue
        thumbs.append((str(path), example_label(name), name))
    return thumbs
