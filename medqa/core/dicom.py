"""Reading one frame of a DICOM file with its size checked from the header before any pixel is decoded.

A deflated DICOM compresses a gigabyte of zero pixels into one megabyte, and pydicom inflates
the whole file before it reads a single tag. Here the header is inflated on its own (a bounded
first chunk), rows x columns x frames are checked against the limits, and only then is the rest
inflated, never past the size the header announced. Of a multi-frame file only the first frame
is decoded.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

HEADER_BYTES = 1 << 20  # the tags before the pixels: far below a megabyte in any X-ray
PIXEL_DATA = 0x7FE00010
DEFLATED = "1.2.840.10008.1.2.1.99"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
NATIVE = {"1.2.840.10008.1.2", EXPLICIT_LE, "1.2.840.10008.1.2.2", DEFLATED}  # pixels stored uncompressed
NO_PIXELS = "DICOM has no pixel data (a report or structured object, not an image)"


class DicomError(ValueError):
    """A DICOM that cannot be used; `too_large` when only its size is the problem."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class DicomSize:
    """What the header says the pixels take."""

    rows: int
    columns: int
    frames: int
    samples: int
    bits: int

    @property
    def frame_pixels(self) -> int:
        return self.rows * self.columns

    @property
    def stored_bytes(self) -> int:
        """Bytes of every frame, uncompressed (what native and deflated files hold in memory)."""
        return self.frame_pixels * self.frames * self.samples * ((self.bits + 7) // 8)


def _size(ds) -> DicomSize:
    try:
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        return DicomSize(int(ds.get("Rows", 0)), int(ds.get("Columns", 0)), max(1, frames),
                         int(ds.get("SamplesPerPixel", 1) or 1), int(ds.get("BitsAllocated", 16) or 16))
    except (TypeError, ValueError) as exc:
        raise DicomError(f"malformed size tags ({exc})") from exc


def check_size(size: DicomSize, max_pixels: int, max_stored_bytes: int, native: bool) -> None:
    """DicomError(too_large=True) when one frame, or all frames held uncompressed, exceed the limits."""
    if size.frame_pixels > max_pixels:
        raise DicomError(f"too large: {size.rows}x{size.columns} is {size.frame_pixels / 1e6:.0f} megapixels, over the "
                         f"{max_pixels / 1e6:.0f} MP limit", too_large=True)
    if native and size.stored_bytes > max_stored_bytes:
        raise DicomError(f"too large: {size.frames} frame(s) of {size.rows}x{size.columns} take "
                         f"{size.stored_bytes / 2**20:.0f} MB uncompressed, over the {max_stored_bytes / 2**20:.0f} MB "
                         "limit", too_large=True)


def _stop_at_pixels(tag, vr, length) -> bool:
    return tag == PIXEL_DATA


def read_first_frame(data: bytes, max_pixels: int, max_stored_bytes: int):
    """(dataset without pixel data, first frame as an array); DicomError naming what is wrong."""
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.filereader import _read_file_meta_info, read_preamble
    from pydicom.pixels import pixel_array

    fp = io.BytesIO(data)
    try:
        read_preamble(fp, force=False)
        meta = _read_file_meta_info(fp)
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError) as exc:
        raise DicomError(f"corrupt DICOM ({exc})") from exc
    syntax = str(meta.get("TransferSyntaxUID", ""))
    if syntax == DEFLATED:
        return _read_deflated(data[fp.tell():], meta, max_pixels, max_stored_bytes)
    try:
        # defer_size: every tag is read, large values (the pixels) are only located, not loaded.
        header = pydicom.dcmread(io.BytesIO(data), defer_size=4096)
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError) as exc:
        raise DicomError(f"corrupt DICOM ({exc})") from exc
    if "PixelData" not in header:
        raise DicomError(NO_PIXELS)
    check_size(_size(header), max_pixels, max_stored_bytes, syntax in NATIVE)
    try:
        return header, pixel_array(io.BytesIO(data), index=0)
    except Exception as exc:  # pydicom raises many types for unsupported transfer syntaxes
        raise DicomError(f"cannot decode DICOM pixels ({type(exc).__name__}: {exc})") from exc


def _read_deflated(body: bytes, meta, max_pixels: int, max_stored_bytes: int):
    """A deflated dataset: inflate the header, check the size, inflate no more than it announced."""
    from pydicom.filereader import read_dataset
    from pydicom.pixels import pixel_array

    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        head = inflater.decompress(body, HEADER_BYTES)
        header = read_dataset(io.BytesIO(head), False, True, stop_when=_stop_at_pixels)
    except (zlib.error, ValueError, EOFError, KeyError) as exc:
        raise DicomError(f"corrupt deflated DICOM ({exc})") from exc
    if "Rows" not in header:
        raise DicomError(NO_PIXELS)
    size = _size(header)
    check_size(size, max_pixels, max_stored_bytes, native=True)
    budget = size.stored_bytes + HEADER_BYTES  # the pixels plus room for the tags around them
    try:
        rest = inflater.decompress(inflater.unconsumed_tail, budget - len(head) + 1)
    except zlib.error as exc:
        raise DicomError(f"corrupt deflated DICOM ({exc})") from exc
    if len(head) + len(rest) > budget:
        raise DicomError("the deflated data inflates to more than its header announces", too_large=True)
    try:
        ds = read_dataset(io.BytesIO(head + rest), False, True)
        ds.file_meta = meta.copy()
        ds.file_meta.TransferSyntaxUID = EXPLICIT_LE
        return header, pixel_array(ds, index=0)
    except Exception as exc:
        raise DicomError(f"cannot decode DICOM pixels ({type(exc).__name__}: {exc})") from exc
