"""SLAKE in its published layout: reading and filtering the real-format files, and `python -m medqa.data import
slake` writing one conversation per image and language, three folds (train, validate, test), and the exports."""

import json
import shutil
from collections import Counter

import pytest

from medqa.data import cli as data_cli
from medqa.data.folds import load_dataset_meta, read_folds
from medqa.data.records import SkipLog
from medqa.data.slake import SlakeError, read_split, select
from medqa.data.split import parse_folds
from tests.helpers.slake import entries, make_slake_dir


def test_read_split_keeps_every_field_and_skips_the_empty_answer(tmp_path):
    skips = SkipLog()
    root = make_slake_dir(tmp_path, images=False)
    train = read_split(root, "train", skips)
    raw = entries("train")
    assert len(train) == len(raw) - 1  # qid 1622 has answer "" in the real train.json
    assert skips.counts == {"malformed SLAKE entry": 1}
    assert skips.messages == [f"{root / 'train.json'}[{[e['qid'] for e in raw].index(1622)}]: malformed SLAKE "
                              "entry (missing answer)"]
    first = next(e for e in raw if e["answer"])
    q = train[0]
    assert (q.qid, q.img_id, q.img_name, q.question, q.answer, q.lang, q.answer_type, q.content_type, q.modality,
            q.split, q.cluster) == (first["qid"], first["img_id"], first["img_name"], first["question"],
                                    first["answer"], first["q_lang"], first["answer_type"], first["content_type"],
                                    first["modality"], "train", f"img{first['img_id']}")


def test_select_by_language_and_modality(tmp_path):
    test = read_split(make_slake_dir(tmp_path, images=False), "test")
    raw = entries("test")
    for lang, modality in (("zh", "X-Ray"), ("en", "X-Ray"), ("zh", "all"), ("both", "CT"), ("both", "all")):
        expected = [e["qid"] for e in raw if lang in ("both", e["q_lang"]) and modality in ("all", e["modality"])]
        assert [q.qid for q in select(test, lang, modality)] == expected and expected
    with pytest.raises(ValueError, match="--modality 'PET'"):
        select(test, "zh", "PET")


def test_the_hugging_face_file_name_and_clear_errors(tmp_path):
    root = make_slake_dir(tmp_path, images=False)
    (root / "validate.json").rename(root / "validation.json")  # BoKelvin/SLAKE on the Hub renamed it
    assert len(read_split(root, "validate")) == len(entries("validate"))
    with pytest.raises(SlakeError, match="not found"):
        read_split(tmp_path / "nowhere", "test")
    (root / "test.json").write_text('{"qid": 1}', encoding="utf-8")
    with pytest.raises(SlakeError, match=r"test.json: expected a JSON list"):
        read_split(root, "test")
    (root / "test.json").write_text("[{", encoding="utf-8")
    with pytest.raises(SlakeError, match=r"test.json: not a readable JSON file"):
        read_split(root, "test")


def test_a_bad_entry_is_skipped_with_its_place(tmp_path):
    root = make_slake_dir(tmp_path, images=False)
    raw = entries("test")
    raw[3]["q_lang"] = "fr"
    raw[5] = "not an object"
    raw.append(dict(raw[0]))  # the same qid twice
    (root / "test.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    skips = SkipLog()
    assert len(read_split(root, "test", skips)) == len(raw) - 3
    assert skips.counts == {"malformed SLAKE entry": 2, "duplicate SLAKE qid": 1}
    assert any(m.endswith("test.json[3]: malformed SLAKE entry (q_lang 'fr' is neither en nor zh)")
               for m in skips.messages)


def test_import_writes_three_folds_of_conversations_and_the_exports(tmp_path, capsys):
    root = make_slake_dir(tmp_path)
    out = tmp_path / "slake-zh"
    assert data_cli.main(["import", "slake", str(root), "--out", str(out), "--lang", "zh"]) == 0
    assert "skipped: 1 malformed SLAKE entry" in capsys.readouterr().out
    meta = load_dataset_meta(out)
    assert meta["folds"] == 3 and meta["splits"] == {"train": 0, "validate": 1, "test": 2}
    assert meta["image_root"] == str((root / "imgs").resolve())
    for split, k in meta["splits"].items():
        records = read_folds(out, [k])
        zh = [e for e in entries(split) if e["q_lang"] == "zh" and e["answer"]]
        # One conversation per image (all zh here), its questions in SLAKE's order, one turn each.
        assert sorted(r["uid"] for r in records) == sorted({f"img{e['img_id']}" for e in zh})
        for record in records:
            mine = [e for e in zh if f"img{e['img_id']}" == record["uid"]]
            assert record["qids"] == [e["qid"] for e in mine] and record["images"] == [mine[0]["img_name"]]
            assert record["qtypes"] == [e["answer_type"] for e in mine]
            texts = [p["text"] for m in record["messages"] for p in m["content"] if p["type"] == "text"]
            assert texts == [t for e in mine for t in (e["question"], e["answer"])]
            assert record["messages"][0]["content"][0] == {"type": "image"} and record["fold"] == k
    share = json.loads((out / "exports" / "sharegpt" / "train_not_2.json").read_text(encoding="utf-8"))
    assert {r["id"] for r in share} == {r["id"] for r in read_folds(out, [0, 1])}
    assert share[0]["images"] and share[0]["messages"][0]["content"].startswith("<image>")
    assert (out / "exports" / "sharegpt" / "llamafactory_fold_2.yaml").is_file()
    assert json.loads((out / "exports" / "export.json").read_text(encoding="utf-8"))["ready"] is True
    assert "CC BY 4.0" in (out / "README.md").read_text(encoding="utf-8")
    # train.py's fold options then mean SLAKE's protocol: --fold 2 trains on train + validate.
    assert [f for f in range(meta["folds"]) if f != 2] == parse_folds("0-1", 3)


def test_import_both_languages_and_one_modality(tmp_path):
    root = make_slake_dir(tmp_path, images=False)
    out = tmp_path / "slake-ct"
    assert data_cli.main(["import", "slake", str(root), "--out", str(out), "--lang", "both",
                          "--modality", "CT"]) == 0
    records = read_folds(out, [0, 1, 2])
    expected = Counter((s, e["img_id"], e["q_lang"]) for s in ("train", "validate", "test") for e in entries(s)
                       if e["modality"] == "CT" and e["answer"])
    assert Counter((r["split"], int(r["uid"][3:]), r["q_lang"]) for r in records) == Counter(set(expected))
    assert sum(len(r["qids"]) for r in records) == sum(expected.values())
    # Imported again into the same folder: it is a medqa dataset, so it is replaced.
    assert data_cli.main(["import", "slake", str(root), "--out", str(out), "--modality", "CT"]) == 0


def test_import_errors_and_help(tmp_path, capsys):
    root = make_slake_dir(tmp_path, images=False)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    assert data_cli.main(["import", "slake", str(root), "--out", str(foreign)]) == 2
    assert "was not built by medqa" in capsys.readouterr().err and (foreign / "notes.txt").is_file()
    assert data_cli.main(["import", "slake", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "SLAKE folder" in capsys.readouterr().err and not (tmp_path / "o").exists()
    assert data_cli.main(["import", "vqa-rad", str(root)]) == 2
    assert "the one importer is 'slake'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        data_cli.main(["import", "slake", "--help"])
    assert exit_info.value.code == 0
    shown = capsys.readouterr().out
    assert all(f"--{o}" in shown for o in ("slake_dir", "out", "lang", "modality", "overwrite"))
    assert data_cli.main(["--help"]) == 0 and "import" in capsys.readouterr().out
    shutil.rmtree(root)
