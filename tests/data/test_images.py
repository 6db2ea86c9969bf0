"""Resolving both image naming schemes against the real shared images."""

from medqa.data.images import ImageIndex, image_key


def test_both_naming_schemes_reduce_to_one_key():
    assert image_key("54_IM-2145-1001.dcm.png") == "54_IM-2145-1001"
    assert image_key("CXR54_IM-2145-1001.png") == "54_IM-2145-1001"
    assert image_key("some/dir/CXR1009_IM-0010-2001.png") == "1009_IM-0010-2001"
    assert image_key("notes.txt") is None


def test_real_images_resolve_to_their_reports(openi_dir):
    index = ImageIndex(openi_dir / "images")
    assert len(index) == 6
    # The pairs documented in shared/data/openi/README.md.
    assert index.resolve("54_IM-2145-1001.dcm.png") == "iu_xray/openi_png/CXR54_IM-2145-1001.png"
    assert index.resolve("1009_IM-0010-2001.dcm.png") == "iu_xray/openi_png/CXR1009_IM-0010-2001.png"
    assert index.resolve("1001_IM-0004-1001.dcm.png") == "iu_xray/kaggle_png/1001_IM-0004-1001.dcm.png"
    assert index.resolve("1_IM-0001-4001.dcm.png") is None
