"""Opening X-rays: PNG, 16-bit PNG, DICOM (windowing, MONOCHROME1), and named errors for bad files."""

import io

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from medqa.core.imaging import ImageError, load_image


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
