"""Find Open-i images on disk under either naming scheme.

The Kaggle release names an image `<uid>_IM-0001-4001.dcm.png`; the Open-i `NLMCXR_png`
release names the same image `CXR<uid>_IM-0001-4001.png`. Both reduce to one key,
`<uid>_IM-0001-4001`, so a folder holding either (or both) resolves.
"""

from __future__ import annotations

import re
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".dcm")
_KEY_RE = re.compile(r"^(?:CXR)?(\d+)_(.+?)(?:\.dcm)?\.(?:png|jpe?g|dcm)$", re.IGNORECASE)


def image_key(filename: str) -> str | None:
    """`<uid>_<rest>` for either naming scheme, or None for a name that follows neither."""
    match = _KEY_RE.match(Path(filename).name)
    return f"{match.group(1)}_{match.group(2)}" if match else None


class ImageIndex:
    """An index of the image files under a folder, looked up by Open-i image key."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"--images-dir {self.root}: folder not found")
        self._by_key: dict[str, str] = {}
        for path in sorted(self.root.rglob("*")):
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                continue
            key = image_key(path.name)
            # Prefer the first name seen (sorted: kaggle_png before openi_png) so builds are stable.
            if key and key not in self._by_key:
                self._by_key[key] = path.relative_to(self.root).as_posix()

    def __len__(self) -> int:
        return len(self._by_key)

    def resolve(self, filename: str) -> str | None:
        """The path, relative to the root, of the file for `filename`, or None if it is not on disk."""
        key = image_key(filename)
        return self._by_key.get(key) if key else None
