"""The prescan (medqa.train.encode): parallel, cached, and the cache follows the data and the processor."""

import json

import pytest

from medqa.core.modeling import load_model
from medqa.data.folds import read_folds
from medqa.train import encode
from medqa.train.collate import SampleEncoder
from tests.helpers.synthetic import write_blob_dataset


@pytest.fixture()
def setup(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDQA_CACHE", str(tmp_path / "cache"))
    data = write_blob_dataset(tmp_path / "data", n_per_fold=40, folds=1, varied=True)
    loaded = load_model(str(tiny_model))
    return data, read_folds(data, [0]), SampleEncoder(loaded.processor, loaded.fmt, data, 400)


def test_parallel_prescan_equals_one_process_and_counts_labels(setup, monkeypatch):
    data, records, encoder = setup
    records[3] = {**records[3], "images": ["images/missing.png"]}
    monkeypatch.setenv("MEDQA_PRESCAN_WORKERS", "2")
    assert encode._workers(len(records)) == 2
    parallel = encode.encode_all(records, encoder, use_cache=False)
    serial = [encode.encode_one(r, encoder) for r in records]
    assert [list(x) for x in parallel] == serial
    assert parallel[3][0] == "unreadable image"
    sample = encoder(records[0])
    assert parallel[0] == (len(sample), int((sample.labels[1:] != -100).sum()))


def test_the_cache_is_used_and_follows_the_image_files(setup):
    data, records, encoder = setup
    first = encode.encode_all(records, encoder)
    (path,) = list(encode.cache_dir().glob("*.json"))
    cached = json.loads(path.read_text())
    cached[0] = [999, 1]  # a planted value proves the second run read the cache
    path.write_text(json.dumps(cached))
    assert encode.encode_all(records, encoder)[0] == (999, 1)
    image = data / records[0]["images"][0]
    image.write_bytes(image.read_bytes())  # same pixels, new mtime: another key
    import os

    os.utime(image, ns=(1, 1))
    assert encode.encode_all(records, encoder)[0] == first[0]
    assert len(list(encode.cache_dir().glob("*.json"))) == 2
