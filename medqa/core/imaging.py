"""Opening X-ray images safely: PNG/JPEG via Pillow, DICOM via pydicom, with clear errors.

Training, evaluation and the demo all open images here, so a corrupt file, a decompression
bomb or a DICOM without pixels gives the same named error everywhere.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from medqa.core.dicom import DicomError, read_first_frame

# 100 megapixels: far above any chest film (IU full-resolution PNGs are ~4.4 MP), far below a bomb.
MAX_PIXELS = 100_000_000
CHUNK_ROWS = 512  # 16-bit images are rescaled this many rows at a time, never as one float copy


@dataclass(frozen=True)
class ImageLimits:
    """What one image may cost, checked before it is decoded: file bytes, pixels of one frame, and the
    bytes of every frame of a DICOM whose pixels are stored uncompressed (all of them are held at once)."""

    max_file_bytes: int = 1 << 30
    max_pixels: int = MAX_PIXELS
    max_stored_bytes: int = 1 << 30


class ImageError(ValueError):
    """An image that cannot be used; the message names the file and the problem."""


class ImageTooLarge(ImageError):
    """An image refused only for its size (file, pixels or frames); the message says 'too large'."""


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


def load_image(source: str | Path | bytes, name: str | None = None, limits: ImageLimits | None = None,
               fit_pixels: int | None = None) -> Image.Image:
    """Open a PNG, JPEG or DICOM as an 8-bit RGB PIL image; raises ImageError naming the problem.

    `limits` are checked from the file size and the image header before any pixel is decoded.
    With `fit_pixels`, the image is shrunk (aspect kept) to at most that many pixels, and
    `image.info["original_size"]` keeps the size it had.
    """
    limits = limits or ImageLimits()
    label = name or (str(source) if not isinstance(source, bytes) else "upload")
    try:
        size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
        if size > limits.max_file_bytes:
            raise ImageTooLarge(f"{label}: the file is too large ({size / 2**20:.1f} MB; the limit is "
                                f"{limits.max_file_bytes / 2**20:.0f} MB)")
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise ImageError(f"{label}: cannot read file ({exc.strerror or exc})") from exc
    image = dicom_to_image(data, label, limits) if is_dicom(data) else _open_raster(data, label, limits, fit_pixels)
    original = image.size
    if image.mode not in ("L", "RGB"):  # palette, 1-bit, alpha: resampled as RGB
        image = image.convert("RGB")
    if fit_pixels and original[0] * original[1] > fit_pixels:
        scale = math.sqrt(fit_pixels / (original[0] * original[1]))
        image.thumbnail((max(1, int(original[0] * scale)), max(1, int(original[1] * scale))), Image.LANCZOS)
    image = image.convert("RGB")
    image.info["original_size"] = original
    return image


def _too_many_pixels(label: str, width: int, height: int, limit: int) -> ImageTooLarge:
    return ImageTooLarge(f"{label}: too large: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
                         f"{limit / 1e6:.0f} MP limit")


def _open_raster(data: bytes, label: str, limits: ImageLimits, fit_pixels: int | None) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > limits.max_pixels:
                raise _too_many_pixels(label, width, height, limits.max_pixels)
            if fit_pixels and probe.format == "JPEG":  # decode at a reduced scale: the full size is never held
                scale = math.sqrt(fit_pixels / (width * height))
                probe.draft(probe.mode, (int(width * scale) + 1, int(height * scale) + 1))
            probe.load()
            image = to_8bit(probe)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit, hit before the header could be read
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        many = f"{int(pixels.group(1)) / 1e6:.0f} megapixels" if pixels else "too many pixels"
        raise ImageTooLarge(f"{label}: too large: {many}, over the {limits.max_pixels / 1e6:.0f} MP limit") from exc
    except UnidentifiedImageError as exc:
        raise ImageError(f"{label}: not a readable image (PNG, JPEG or DICOM expected)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{label}: corrupt or truncated image ({exc})") from exc
    return image


def to_8bit(image: Image.Image) -> Image.Image:
    """An 8-bit copy ("L", "RGB" or "RGBA"...); 16-bit and float greyscale are rescaled rather than clipped."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return Image.fromarray(_to_uint8(np.asarray(image)))
    return image.copy()


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB; 16-bit greyscale PNGs are rescaled rather than clipped."""
    return to_8bit(image).convert("RGB")


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Min-max rescale to 0-255, a block of rows at a time (a 100-MP film needs no 800 MB float copy)."""
    lo, hi = float(np.min(arr)), float(np.max(arr))
    out = np.zeros(arr.shape, dtype=np.uint8)
    if hi <= lo:
        return out
    scale = 255.0 / (hi - lo)
    for start in range(0, arr.shape[0], CHUNK_ROWS):
        block = arr[start : start + CHUNK_ROWS].astype(np.float32)
        out[start : start + CHUNK_ROWS] = np.rint((block - lo) * scale)
    return out


def dicom_to_image(data: bytes, label: str = "upload", limits: ImageLimits | None = None) -> Image.Image:
    """Render the first frame of a DICOM: rescale slope/intercept, VOI window, MONOCHROME1 inverted.

    Rows x columns x frames are checked from the header before any pixel is decoded (medqa.core.dicom).
    No tag leaves this function.
    """
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    limits = limits or ImageLimits()
    try:
        ds, arr = read_first_frame(data, limits.max_pixels, limits.max_stored_bytes)
    except DicomError as exc:
        raise (ImageTooLarge if exc.too_large else ImageError)(f"{label}: {exc}") from exc
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):  # colour: shown as it is
        return Image.fromarray(arr.astype(np.uint8))
    arr = apply_modality_lut(arr, ds)
    if "WindowCenter" in ds or "VOILUTSequence" in ds:
        arr = apply_voi_lut(arr, ds, index=0)
    out = _to_uint8(np.asarray(arr))
    if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        out = 255 - out  # MONOCHROME1 stores bright bone as low values
    return Image.fromarray(out)
