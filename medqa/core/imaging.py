"""Opening X-ray images safely: PNG/JPEG via Pillow, DICOM via pydicom, with clear errors.

Training, evaluation and the demo all open images here, so a corrupt file, a decompression
bomb or a DICOM without pixels gives the same named error everywhere.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

# 100 megapixels: far above any chest film (IU full-resolution PNGs are ~4.4 MP), far below a bomb.
MAX_PIXELS = 100_000_000


class ImageError(ValueError):
    """An image that cannot be used; the message names the file and the problem."""


def is_dicom(data: bytes) -> bool:
    """DICOM Part 10 files carry 'DICM' after a 128-byte preamble."""
    return len(data) >= 132 and data[128:132] == b"DICM"


def resolve_image_path(image: str | Path, root: str | Path | None = None) -> Path:
    """The file an image reference names: an absolute path as it is, a relative one under `root`.

    Every stage (training, evaluation, the demo, exports) resolves dataset image paths here, so a
    relative path means the same file everywhere: relative to the dataset's image root when one
    is known, else to the working folder.
    """
    path = Path(image).expanduser()
    return path if path.is_absolute() or root is None else Path(root).expanduser() / path


def load_image(source: str | Path | bytes, name: str | None = None) -> Image.Image:
    """Open a PNG, JPEG or DICOM as an 8-bit RGB PIL image; raises ImageError naming the problem."""
    label = name or (str(source) if not isinstance(source, bytes) else "upload")
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise ImageError(f"{label}: cannot read file ({exc.strerror or exc})") from exc
    if is_dicom(data):
        return dicom_to_image(data, label)
    return _open_raster(data, label)


def _open_raster(data: bytes, label: str) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"{label}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
                                 f"{MAX_PIXELS // 1_000_000} MP limit (possible decompression bomb)")
            probe.load()
            image = probe.copy()
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{label}: not a readable image (PNG, JPEG or DICOM expected)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{label}: corrupt or truncated image ({exc})") from exc
    return to_rgb(image)


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB; 16-bit greyscale PNGs are rescaled rather than clipped."""
    if image.mode in ("I;16", "I;16B", "I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        image = Image.fromarray(_to_uint8(arr))
    return image.convert("RGB")


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    lo, hi = float(np.min(arr)), float(np.max(arr))
    if hi <= lo:
        return np.zeros(arr.shape, dtype=np.uint8)
    return ((arr - lo) / (hi - lo) * 255.0).round().astype(np.uint8)


def dicom_to_image(data: bytes, label: str = "upload") -> Image.Image:
    """Render a DICOM: rescale slope/intercept, VOI window, MONOCHROME1 inverted. No tag leaves this function."""
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        ds = pydicom.dcmread(io.BytesIO(data))
    except (InvalidDicomError, OSError, ValueError, EOFError) as exc:
        raise ImageError(f"{label}: corrupt DICOM ({exc})") from exc
    if "PixelData" not in ds:
        raise ImageError(f"{label}: DICOM has no pixel data (a report or structured object, not an image)")
    rows, cols = int(ds.get("Rows", 0)), int(ds.get("Columns", 0))
    if rows * cols > MAX_PIXELS:
        raise ImageError(f"{label}: DICOM is {rows}x{cols}, over the {MAX_PIXELS // 1_000_000} MP limit")
    try:
        arr = ds.pixel_array
    except Exception as exc:  # pydicom raises many types for unsupported transfer syntaxes
        raise ImageError(f"{label}: cannot decode DICOM pixels ({type(exc).__name__}: {exc})") from exc
    if arr.ndim == 3 and arr.shape[-1] not in (3, 4):
        arr = arr[0]  # multi-frame: the first frame
    arr = apply_modality_lut(arr, ds)
    if "WindowCenter" in ds or "VOILUTSequence" in ds:
        arr = apply_voi_lut(arr, ds, index=0)
    out = _to_uint8(np.asarray(arr, dtype=np.float64))
    if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        out = 255 - out  # MONOCHROME1 stores bright bone as low values
    return Image.fromarray(out).convert("RGB")
