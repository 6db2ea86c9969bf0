"""Opening X-rays: PNG, 16-bit PNG, DICOM (windowing, MONOCHROME1), and named errors for bad files."""

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from medqa.core.imaging import ImageError, ImageLimits, ImageTooLarge, load_image


def _dicom(pixels: np.ndarray | None, photometric="MONOCHROME2", **tags) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.PatientName = "Secret^Patient"
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    if pixels is not None:
        ds.Rows, ds.Columns = pixels.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
        ds.BitsAllocated = ds.BitsStored = 16
        ds.HighBit, ds.PixelRepresentation = 15, 0
        ds.PixelData = pixels.astype(np.uint16).tobytes()
    for key, value in tags.items():
        setattr(ds, key, value)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def test_png_and_16_bit_png(tmp_path):
    Image.new("L", (20, 10), 128).save(tmp_path / "a.png")
    assert load_image(tmp_path / "a.png").mode == "RGB"
    ramp = (np.arange(100, dtype=np.uint16).reshape(10, 10) * 600)
    Image.fromarray(ramp).save(tmp_path / "b.png")
    arr = np.asarray(load_image(tmp_path / "b.png"))[..., 0]
    assert arr.min() == 0 and arr.max() == 255  # rescaled, not clipped to 255 everywhere


def test_dicom_window_and_monochrome1_inversion():
    ramp = np.tile(np.arange(0, 4000, 40, dtype=np.uint16), (8, 1))  # 0..3960
    plain = np.asarray(load_image(_dicom(ramp)))[..., 0]
    assert plain[0, 0] == 0 and plain[0, -1] == 255
    inverted = np.asarray(load_image(_dicom(ramp, photometric="MONOCHROME1")))[..., 0]
    assert inverted[0, 0] == 255 and inverted[0, -1] == 0
    windowed = np.asarray(load_image(_dicom(ramp, WindowCenter=1000, WindowWidth=400)))[..., 0]
    assert windowed[0, 10] == 0 and windowed[0, 40] == 255  # 400 below the window, 1600 above it


def test_bad_inputs_have_named_errors(tmp_path):
    with pytest.raises(ImageError, match="upload: not a readable image"):
        load_image(b"this is not an image")
    (tmp_path / "cut.png").write_bytes((lambda b: b.getvalue()[:60])(_png_bytes()))
    with pytest.raises(ImageError, match="cut.png: corrupt or truncated image"):
        load_image(tmp_path / "cut.png")
    with pytest.raises(ImageError, match="DICOM has no pixel data"):
        load_image(_dicom(None))
    with pytest.raises(ImageError, match="cannot read file"):
        load_image(tmp_path / "missing.png")


def test_decompression_bomb_is_refused_before_decoding():
    buf = io.BytesIO()
    Image.new("1", (12000, 9000)).save(buf, format="PNG")  # 108 MP, a few kB compressed
    with pytest.raises(ImageError, match="108 megapixels, over the 100 MP limit"):
        load_image(buf.getvalue(), name="bomb.png")


def _png_bytes():
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(buf, format="PNG")
    return buf


def _frames_dicom(frames: list[np.ndarray], syntax) -> bytes:
    """A multi-frame 16-bit DICOM in transfer syntax `syntax` (deflated or not)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta, ds.PatientName = meta, "Secret^Patient"
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns = frames[0].shape
    ds.NumberOfFrames = len(frames)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored = 1, "MONOCHROME2", 16, 16
    ds.HighBit, ds.PixelRepresentation = 15, 0
    ds.PixelData = b"".join(f.astype(np.uint16).tobytes() for f in frames)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def test_a_deflated_multiframe_bomb_is_refused_from_its_header_before_inflating():
    frames = [np.zeros((2000, 2000), np.uint16)] * 8  # 64 MB of pixels, deflated to a few tens of kB
    bomb = _frames_dicom(frames, DeflatedExplicitVRLittleEndian)
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(ImageTooLarge, match=r"bomb.dcm: too large: 8 frame\(s\) of 2000x2000 take 61 MB"):
            load_image(bomb, name="bomb.dcm", limits=ImageLimits(max_stored_bytes=16 << 20))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # the header was read, the 64 MB were never inflated


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian])
def test_only_the_first_frame_is_decoded(syntax):
    frames = [np.tile(np.arange(32, dtype=np.uint16) * (k + 1) * 10, (16, 1)) for k in range(3)]
    image = load_image(_frames_dicom(frames, syntax))
    assert image.size == (32, 16) and image.mode == "RGB"
    assert list(np.asarray(image)[0, :4, 0]) == [0, 8, 16, 25]  # frame 0's ramp, rescaled to 0-255


def test_too_large_images_say_so_and_kept_copies_fit_the_budget(tmp_path):
    huge = io.BytesIO()
    Image.new("1", (15000, 15000)).save(huge, format="PNG")  # 225 MP: over Pillow's own bomb limit too
    with pytest.raises(ImageTooLarge, match="huge.png: too large: 225 megapixels"):
        load_image(huge.getvalue(), name="huge.png")
    with pytest.raises(ImageTooLarge, match=r"big.png: the file is too large \(0.3 MB; the limit is 0 MB\)"):
        load_image(b"\x89PNG" + bytes(300_000), name="big.png", limits=ImageLimits(max_file_bytes=100_000))
    film = (np.arange(3000 * 2000, dtype=np.uint32).reshape(2000, 3000) % 4096).astype(np.uint16)
    Image.fromarray(film).save(tmp_path / "film.png")
    kept = load_image(tmp_path / "film.png", fit_pixels=448 * 448)
    assert kept.width * kept.height <= 448 * 448 and kept.mode == "RGB"
    assert kept.info["original_size"] == (3000, 2000) and abs(kept.width / kept.height - 1.5) < 0.01
