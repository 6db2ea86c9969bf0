"""The whole dataset build on the real shared reports, and its command line."""

import json
from collections import defaultdict

import pytest
from datasets import load_dataset

from medqa.core.conversation import ConversationFormat, message_text, record_messages
from medqa.data.build import build_dataset
from medqa.data.cli import main
from medqa.data.config import BuildArguments
from medqa.data.rule import RuleGenerator
from medqa.vocab.findings import extract_findings
from medqa.vocab.mesh import DEID_RE
from tests.helpers.exports import from_qwen_vl, from_sharegpt


@pytest.fixture(scope="module")
def built(openi_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("openi-zh")
    config = BuildArguments(openi_dir / "indiana_reports.csv", out, openi_dir / "indiana_projections.csv")
    return build_dataset(config, RuleGenerator(seed=0))


def test_every_real_report_is_used_or_counted(built):
    assert built.n_reports_read == 3560
    reports_out = {r["uid"] for fold in built.folds.values() for r in fold}
    assert len(reports_out) + sum(built.skips.counts.values()) == 3560
    assert set(built.skips.counts) <= {"nothing to ask", "report without image", "nothing left after the verifier"}
    assert built.n_records > 6500  # ~2 images a report


def test_folds_are_disjoint_by_patient_and_balanced(built):
    fold_of_uid = defaultdict(set)
    for k, records in built.folds.items():
        for r in records:
            assert r["fold"] == k
            fold_of_uid[r["uid"]].add(k)
    assert all(len(f) == 1 for f in fold_of_uid.values())
    sizes = [len({r["uid"] for r in recs}) for recs in built.folds.values()]
    assert len(sizes) == 5 and max(sizes) - min(sizes) <= 1


def test_jsonl_loads_with_datasets_and_keeps_the_format(built):
    files = {f"fold_{k}": str(built.out / f"fold_{k}.jsonl") for k in range(5)}
    ds = load_dataset("json", data_files=files)
    assert sum(len(ds[s]) for s in ds) == built.n_records
    row = ds["fold_0"][0]
    original = built.folds[0][0]
    assert row["uid"] == original["uid"] and row["id"] == original["id"]
    fmt = ConversationFormat.load(built.out)
    # The nulls datasets adds to content structs vanish in the model messages.
    assert fmt.to_model_messages(record_messages(row))[1:] == fmt.to_model_messages(record_messages(original))[1:]
    assert row["images"] == original["images"]


def test_exports_round_trip_on_real_records(built):
    for name, back in (("qwen_vl", from_qwen_vl), ("sharegpt", from_sharegpt)):
        items = json.loads((built.out / "exports" / name / "fold_2.json").read_text(encoding="utf-8"))
        assert len(items) == len(built.folds[2])
        for item, record in zip(items, built.folds[2], strict=True):
            assert back(item) == {"id": record["id"], "images": record["images"], "messages": record["messages"]}
    info = json.loads((built.out / "exports" / "sharegpt" / "dataset_info.json").read_text())
    assert info["medqa_fold_0"]["formatting"] == "sharegpt"


def test_answers_agree_with_their_labels_and_never_leak_deid_tokens(built):
    """Every presence answer says what its label says: absent answers start with 未见/没有/无 and read back as
    absent, uncertain ones hedge (可能/考虑/不除外/待排除, never a flat 有), present ones read back as present."""
    counts = defaultdict(int)
    for records in built.folds.values():
        for r in records:
            texts = [message_text(m) for m in r["messages"]]
            assert not any(DEID_RE.search(t) for t in texts)
            assert len(r["labels"]) == len(r["qtypes"]) == len(texts) // 2
            for i, (qtype, label) in enumerate(zip(r["qtypes"], r["labels"], strict=True)):
                answer = texts[2 * i + 1]
                assert qtype in {"projection", "normality", "presence", "location", "severity", "description",
                                 "impression"}
                # Every turn stores every label field (one schema for datasets); open turns name no finding.
                assert set(label) == {"finding", "status", "side", "severity", "qualifiers"}, label
                assert (label["finding"] is None) == (qtype in ("projection", "description", "impression")), label
                if qtype != "presence":
                    continue
                found = {k: v for k, v in extract_findings(answer).items() if k != "normal"}
                counts[label["status"]] += 1
                if label["status"] == "absent":
                    assert answer.startswith(("未见", "没有", "无")) and True not in found.values(), answer
                elif label["status"] == "uncertain":
                    assert any(h in answer for h in ("可能", "考虑", "不除外", "待排除")), answer
                    assert not answer.startswith("有"), answer
                else:
                    assert False not in found.values(), answer
    assert counts["present"] > 3000 and counts["absent"] > 1500 and counts["uncertain"] > 300


def test_card_reports_counts_and_generator(built):
    card = (built.out / "README.md").read_text(encoding="utf-8")
    assert "| all | " in card and "`rule` generator" in card and "CC BY-NC-ND" in card
    total_images = sum(len(v) for v in built.folds.values())
    assert f"| all | {len({r['uid'] for v in built.folds.values() for r in v})} | {total_images} |" in card
    meta = json.loads((built.out / "dataset.json").read_text())
    assert meta["folds"] == 5 and meta["generator"]["generator"] == "rule"
    assert "Distinct questions:" in card and "The 10 most frequent answers take" in card
    assert "reports with a full description" in card and "MeSH findings the text negates" in card


def test_cli_with_images_dir_resolves_both_naming_schemes(openi_dir, tmp_path, capsys):
    out = tmp_path / "ds"
    code = main(["build", "--reports", str(openi_dir / "indiana_reports.csv"), "--out", str(out),
                 "--images-dir", str(openi_dir / "images"), "--folds", "2"])
    assert code == 0
    records = [json.loads(line) for k in (0, 1) for line in (out / f"fold_{k}.jsonl").open(encoding="utf-8")]
    assert sorted(r["images"][0] for r in records) == [
        "iu_xray/kaggle_png/1001_IM-0004-1001.dcm.png",
        "iu_xray/openi_png/CXR1009_IM-0010-1001.png", "iu_xray/openi_png/CXR1009_IM-0010-2001.png",
        "iu_xray/openi_png/CXR303_IM-1404-1001.png",
        "iu_xray/openi_png/CXR54_IM-2145-1001.png", "iu_xray/openi_png/CXR54_IM-2145-1002.png"]
    assert json.loads((out / "dataset.json").read_text())["image_root"] == str((openi_dir / "images").resolve())
    printed = capsys.readouterr().out
    assert "image missing on disk" in printed and "-> 6 conversations" in printed
    # Every skip is kept in the output folder, not only the few shown on the terminal.
    skipped = (out / "skipped.txt").read_text(encoding="utf-8").splitlines()
    assert len(skipped) == 6891 and all("image missing on disk" in line for line in skipped)


def test_cli_builds_from_xml_and_counts_what_it_skips(xml_dir, openi_dir, tmp_path, capsys):
    code = main(["build", "--reports", str(xml_dir), "--projections", str(openi_dir / "indiana_projections.csv"),
                 "--out", str(tmp_path), "--folds", "2"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "read 3 reports -> 4 conversations" in printed
    assert "1 report without image" in printed and "1 unreadable XML report" in printed


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["build", "--reports", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.csv: file not found" in capsys.readouterr().err
    assert main(["build", "--reports", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no .xml report files" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["build", "--reports", "x.csv", "--out", str(tmp_path), "--generator", "llm"])
    assert stop.value.code == 2 and "--llm-base-url" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    helptext = capsys.readouterr().out
    for option in ("--reports", "--projections", "--out", "--generator", "--images-dir", "--folds", "--seed",
                   "--llm-base-url", "--llm-model", "--llm-concurrency", "--llm-cache"):
        assert option in helptext
