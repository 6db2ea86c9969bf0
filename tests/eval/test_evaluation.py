"""evaluate.py end to end, offline: tiny model + baselines on a dataset built from the shared reports, resume,
error rows, the OpenAI route against a local HTTP server, hand-checked baselines and clear errors."""

import base64
import json
import logging
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import torch
from peft import LoraConfig, get_peft_model
from PIL import Image

from evaluate import main
from medqa.core.conversation import ConversationFormat, record_messages
from medqa.core.modeling import load_model
from medqa.data import cli as data_cli
from medqa.eval.items import build_items
from medqa.eval.predictions import predictions_dir
from medqa.eval.summary import MAIN_KEYS
from medqa.serve.local import LocalBackend
from medqa.train.config import LORA_TARGET
from tests.helpers.paths import OPENI


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """6 conversations with real images in 2 folds (what the generator asks: `answers(data, k)`), images copied."""
    root = tmp_path_factory.mktemp("eval")
    shutil.copytree(OPENI / "images", root / "images")
    level = logging.getLogger("medqa").level
    logging.getLogger("medqa").setLevel(logging.ERROR)  # thousands of 'image missing' skips: counted, not listed
    try:
        code = data_cli.main(["build", "--reports", str(OPENI / "indiana_reports.csv"), "--images-dir",
                              str(root / "images"), "--out", str(root / "data"), "--folds", "2"])
    finally:
        logging.getLogger("medqa").setLevel(level)
    assert code == 0
    return root / "data"


def fold_records(data: Path, k: int) -> list[dict]:
    return [json.loads(line) for line in (data / f"fold_{k}.jsonl").read_text(encoding="utf-8").splitlines()]


def answers(data: Path, k: int) -> int:
    """Answers (assistant turns) of fold k: the items evaluation asks about."""
    return sum(1 for r in fold_records(data, k) for m in r["messages"] if m["role"] == "assistant")


def saved_rows(out: Path, name: str, k: int) -> list[dict]:
    path = predictions_dir(out, name) / f"fold_{k}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class Recorder:
    """Wraps a predictor: records what it is asked; optionally dies (like a killed run) after `die_after` calls."""

    def __init__(self, log: list, die_after: int | None = None) -> None:
        self.log, self.die_after, self.calls, self.inner = log, die_after, 0, None

    def __call__(self, inner):
        self.inner = inner
        return self

    def predict(self, items):
        if self.die_after is not None and self.calls >= self.die_after:
            raise KeyboardInterrupt  # not an Exception: it must stop the run, not become an error row
        self.calls += 1
        self.log.extend(items)
        return self.inner.predict(items)


def test_build_items_teacher_forcing_by_hand():
    messages = [{"role": "user", "content": [{"type": "image", "image": "a.png"}, {"type": "text", "text": "Q1"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "A1"}]},
                {"role": "user", "content": [{"type": "text", "text": "Q2"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "A2"}]}]
    items = build_items([{"id": "r", "messages": messages, "qtypes": ["projection", "presence"]}])
    assert [(i.key, i.qtype, i.question, i.reference, len(i.prompt)) for i in items] == [
        ("r#0", "projection", "Q1", "A1", 1), ("r#1", "presence", "Q2", "A2", 3)]
    assert items[1].prompt[1] == messages[1] and items[1].image == "a.png"  # earlier answer = the reference
    with pytest.raises(ValueError, match="'r' appears twice"):
        build_items([{"id": "r", "messages": messages}] * 2)
    with pytest.raises(ValueError, match="answer 0 does not follow a user question"):
        build_items([{"id": "r", "messages": messages[1:]}])


def test_tiny_model_and_baselines_end_to_end(dataset, tiny_model, tmp_path):
    out, asked = tmp_path / "out", []
    args = ["--data", str(dataset), "--folds", "0-1", "--model", str(tiny_model), "--model", "baseline:majority",
            "--model", "baseline:retrieval", "--out", str(out), "--limit", "4", "--batch_size", "4",
            "--max_new_tokens", "4"]
    recorders = []

    def wrap(predictor):
        recorders.append(Recorder(asked)(predictor))
        return recorders[-1]

    results = main(args, wrap=wrap)
    names = [str(tiny_model), "baseline:majority", "baseline:retrieval"]
    assert sorted(results) == sorted(names)
    assert isinstance(recorders[0].inner.backend, LocalBackend)  # the demo's generation path
    for name in names:
        entry = results[name]
        assert sorted(entry["folds"]) == ["0", "1"] and entry["errors"] == 0
        assert set(entry["mean"]) == set(entry["sd"]) == set(entry["ci95"]) == set(MAIN_KEYS)
        for fold in entry["folds"].values():
            assert fold["n"] == 4 and all(0.0 <= fold[k] <= 1.0 for k in MAIN_KEYS)
        for key in MAIN_KEYS:
            low, high = entry["ci95"][key]
            assert low <= entry["mean"][key] <= high
        assert entry["generator"] == "rule" and entry["image_ablation"] == "none"
        # The first 4 answers of each fold: projection, normality, presence, ... each with its own figures.
        assert sum(t["n"] for t in entry["by_type"].values()) == 8
        for by_type in entry["by_type"].values():  # closed types; label_agreement where the builder labelled
            if "accuracy" not in by_type:  # an open type (description, impression): the text figures
                assert {"n", "rouge1", "rouge2", "rougeL"} <= set(by_type)
                continue
            assert set(by_type) - {"label_agreement"} == {"n", "accuracy", "sd", "ci95", "unlabelled"}
            assert 0.0 <= by_type.get("label_agreement", 1.0) <= 1.0
    for name in names[1:]:
        assert results[name]["mean"]["rouge1"] > 0  # templated answers: baselines share words with references
    # The first 4 answers of fold 0 are turns 0-3 of its first record, prompted with the reference history.
    first = fold_records(dataset, 0)[0]
    rows = saved_rows(out, str(tiny_model), 0)
    assert [r["key"] for r in rows] == [f"{first['id']}#{t}" for t in range(4)]
    tiny_items = [i for i in asked if i.record_id == first["id"]][:4]
    assert [i.prompt for i in tiny_items] == [record_messages(first)[: 2 * t + 1] for t in range(4)]
    assert json.loads((out / "results.json").read_text(encoding="utf-8")) == results
    table = (out / "results.md").read_text(encoding="utf-8").splitlines()
    assert "| Model | ROUGE-1 | ROUGE-2 | ROUGE-L | Finding F1 | F1 +side | F1 +severity | Closed acc. |" in table
    assert "| Qwen-VL 7B — paper (reported) | 0.6147 | 0.3535 | 0.5796 | – | – | – | – |" in table
    assert any(line.startswith("Data built by the **rule** generator") for line in table)
    assert any("**not comparable** with the paper's" in line for line in table)
    for name in names:
        m, ci = results[name]["mean"], results[name]["ci95"]
        assert f"| {name} | " + " | ".join(f"{m[k]:.3f} [{ci[k][0]:.3f}, {ci[k][1]:.3f}]" for k in MAIN_KEYS) + \
            " |" in table
    # Rerunning resumes: nothing left to predict, so no predictor is even made (no model load).
    recorders.clear()
    main(args, wrap=wrap)
    assert recorders == []
    # Other decoding settings on top of saved predictions would mix two runs in one row.
    with pytest.raises(SystemExit) as exit_info:
        main([*args[:-1], "8"])
    assert exit_info.value.code == 2


def test_one_adapter_per_fold_with_the_fold_placeholder(dataset, tiny_model, tmp_path):
    for k in (0, 1):  # what train.py --fold K writes: an adapter (base named in its config) + the format
        loaded = load_model(str(tiny_model), dtype=torch.float32)
        config = LoraConfig(r=2, lora_alpha=4, target_modules=LORA_TARGET, task_type="CAUSAL_LM")
        get_peft_model(loaded.model, config).save_pretrained(tmp_path / "runs" / f"lora-f{k}")
        ConversationFormat(system_prompt=f"fold {k} prompt").save(tmp_path / "runs" / f"lora-f{k}")
    seen = []

    def wrap(predictor):
        seen.append((predictor.backend.loaded.adapter, predictor.backend.loaded.fmt.system_prompt))
        return predictor

    results = main(["--data", str(dataset), "--folds", "0-1", "--model", f"lora={tmp_path}/runs/lora-f{{fold}}",
                    "--out", str(tmp_path / "out"), "--limit", "1", "--max_new_tokens", "2"], wrap=wrap)
    assert seen == [(f"{tmp_path}/runs/lora-f0", "fold 0 prompt"), (f"{tmp_path}/runs/lora-f1", "fold 1 prompt")]
    assert sorted(results["lora"]["folds"]) == ["0", "1"] and results["lora"]["errors"] == 0


def test_resume_after_a_kill_predicts_only_missing_items(dataset, tmp_path):
    out, asked = tmp_path / "out", []
    args = ["--data", str(dataset), "--folds", "0-1", "--model", "baseline:majority", "--out", str(out),
            "--batch_size", "4"]
    with pytest.raises(KeyboardInterrupt):
        main(args, wrap=Recorder(asked, die_after=2))  # dies after 2 batches = 8 of fold 0's answers
    assert len(saved_rows(out, "baseline:majority", 0)) == 8
    asked.clear()
    resumed = main(args, wrap=lambda p: Recorder(asked)(p))
    n0, n1 = answers(dataset, 0), answers(dataset, 1)
    assert n0 > 8 and len(asked) == n0 + n1 - 8  # only the missing answers
    for k, n in ((0, n0), (1, n1)):
        keys = [r["key"] for r in saved_rows(out, "baseline:majority", k)]
        assert len(keys) == len(set(keys)) == n
    fresh = main([*args[:-3], str(tmp_path / "fresh"), "--batch_size", "4"])
    assert resumed["baseline:majority"]["folds"] == fresh["baseline:majority"]["folds"]


def test_options_from_yaml(dataset, tmp_path):
    config = tmp_path / "eval.yaml"
    config.write_text(f"data: {dataset}\nfolds: '1'\nmodel: [baseline:majority, baseline:retrieval]\n"
                      f"out: {tmp_path / 'out'}\nlimit: 3\n", encoding="utf-8")
    results = main([str(config)])
    assert sorted(results) == ["baseline:majority", "baseline:retrieval"]
    assert results["baseline:majority"]["folds"]["1"]["n"] == 3


def test_folds_evaluated_in_separate_runs_share_one_row(dataset, tmp_path):
    base = ["--data", str(dataset), "--model", "baseline:majority", "--model", "baseline:retrieval"]
    main([*base, "--folds", "0", "--out", str(tmp_path / "split")])
    split = main([*base, "--folds", "1", "--out", str(tmp_path / "split")])
    together = main([*base, "--folds", "0-1", "--out", str(tmp_path / "together")])
    assert split == together


def test_resume_after_a_torn_last_line(dataset, tmp_path):
    out, asked = tmp_path / "out", []
    args = ["--data", str(dataset), "--folds", "1", "--model", "baseline:retrieval", "--out", str(out)]
    main(args)
    path = predictions_dir(out, "baseline:retrieval") / "fold_1.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:5]) + lines[5][:20], encoding="utf-8")  # killed in the middle of row 6
    resumed = main(args, wrap=lambda p: Recorder(asked)(p))
    assert len(asked) == answers(dataset, 1) - 5
    assert path.read_text(encoding="utf-8").splitlines(keepends=True) == lines  # same rows, no torn line left
    scored = main([*args, "--score_only", "true"])  # scoring saved rows again gives the same numbers
    assert scored["baseline:retrieval"]["folds"] == resumed["baseline:retrieval"]["folds"]


def test_a_corrupt_image_is_an_error_row_and_the_run_goes_on(dataset, tiny_model, tmp_path):
    images = tmp_path / "images"
    shutil.copytree(dataset.parent / "images", images)
    first = fold_records(dataset, 1)[0]  # k answers about one image, then answers about other images
    k = sum(1 for m in first["messages"] if m["role"] == "assistant")
    (images / first["images"][0]).write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    out = tmp_path / "out"
    args = ["--data", str(dataset), "--folds", "1", "--model", f"tiny={tiny_model}", "--out", str(out),
            "--image_root", str(images), "--limit", str(k + 4), "--batch_size", "4", "--max_new_tokens", "2"]
    results = main(args)
    rows = saved_rows(out, "tiny", 1)
    assert len(rows) == k + 4
    assert all("error" in r and Path(first["images"][0]).name in r["error"] for r in rows[:k])
    assert all("error" not in r for r in rows[k:])
    assert results["tiny"]["errors"] == k and results["tiny"]["folds"]["1"]["n"] == k + 4
    assert f"Error rows (scored as empty answers): tiny: {k} of {k + 4}." in (out / "results.md").read_text(
        encoding="utf-8")
    # Once the image is repaired, --retry_errors redoes exactly the k error rows.
    shutil.copy(dataset.parent / "images" / first["images"][0], images / first["images"][0])
    asked = []
    retried = main([*args, "--retry_errors", "true"], wrap=lambda p: Recorder(asked)(p))
    assert sorted(i.key for i in asked) == sorted(r["key"] for r in rows[:k])
    assert retried["tiny"]["errors"] == 0


class LeakyEndpoint:
    """A predictor whose error echoes the credentials it was sent, as some API error bodies do."""

    def __init__(self, inner=None) -> None:
        self.inner = inner

    def predict(self, items):
        raise RuntimeError("401 invalid api key sk-live1234567890abcd (Authorization: Bearer tok_9f8e7d6c5b4a)")


def test_error_rows_and_logs_never_keep_a_credential(dataset, tmp_path, caplog):
    out = tmp_path / "out"
    args = ["--data", str(dataset), "--folds", "1", "--model", "baseline:majority", "--out", str(out), "--limit", "3"]
    main(args, wrap=LeakyEndpoint)
    rows = saved_rows(out, "baseline:majority", 1)
    assert len(rows) == 3 and all(r["error"].startswith("RuntimeError: 401 invalid api key ***") for r in rows)
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()) + caplog.text
    assert "401 invalid api key" in caplog.text
    assert "sk-live1234567890abcd" not in written and "tok_9f8e7d6c5b4a" not in written


def test_openai_backend_against_a_local_server(dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    record = fold_records(dataset, 0)[0]  # CXR303: 8 answers
    messages = record["messages"]

    def key(msgs):
        return tuple((m["role"], "".join(p.get("text", "") for p in m["content"])) for m in msgs)

    # The server knows every reference answer, given the reference history; it fails the 4th question.
    answers = {key(messages[: 2 * t + 1]): messages[2 * t + 1]["content"][0]["text"] for t in range(8)}
    failing, requests = key(messages[:7]), []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(payload)
            asked = key([m for m in payload["messages"] if m["role"] != "system"])
            status = 500 if asked == failing else 200
            body = json.dumps({"choices": [{"message": {"content": answers.get(asked, "不知道")}}]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        results = main(["--data", str(dataset), "--folds", "0", "--backend", "openai", "--base-url",
                        f"http://127.0.0.1:{server.server_port}/v1", "--model", "medqa-test", "--limit", "8",
                        "--out", str(tmp_path / "out"), "--batch_size", "4"])
    finally:
        server.shutdown()
    # 7 perfect answers (1.0 each) and one error row scored as empty (0): every ROUGE is 7/8.
    mean = results["medqa-test"]["mean"]
    assert (mean["rouge1"], mean["rouge2"], mean["rougeL"]) == pytest.approx((0.875, 0.875, 0.875))
    assert results["medqa-test"]["errors"] == 1
    image_part = requests[0]["messages"][1]["content"][0]
    assert requests[0]["model"] == "medqa-test" and image_part["type"] == "image_url"
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    with Image.open(dataset.parent / "images" / record["images"][0]) as original:
        assert base64.b64decode(url.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n" and original.size


def _film(path: Path, left_bright: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 40, (64, 64))
    pixels[:, :32] += 200 if left_bright else 0
    pixels[:32, :] += 0 if left_bright else 200
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)


def test_baselines_by_hand(tmp_path):
    (tmp_path / "images").mkdir()
    for name, left, seed in (("a.png", True, 0), ("b.png", False, 1), ("c.png", False, 2), ("d.png", True, 3),
                             ("e.png", False, 4)):
        _film(tmp_path / "images" / name, left, seed)

    def rec(rid, image, *qa):
        msgs = []
        for i, (q, a, _) in enumerate(qa):
            msgs += [{"role": "user", "content": ([{"type": "image", "image": image}] if i == 0 else [])
                      + [{"type": "text", "text": q}]}, {"role": "assistant", "content": [{"type": "text", "text": a}]}]
        return {"id": rid, "image": image, "messages": msgs, "qtypes": [t for _, _, t in qa]}

    train = [rec("A", "a.png", ("有没有病灶？", "有。", "presence")),
             rec("B", "b.png", ("有没有病灶？", "没有。", "presence")),
             rec("C", "c.png", ("有没有病灶？", "没有。", "presence"), ("心影大吗？", "心影不大。", "size")),
             rec("E", "e.png", ("心影大吗？", "心影不大。", "size"), ("心脏大小？", "心影不大。", "size"))]
    test = [rec("D", "d.png", ("有没有病灶？", "有。", "presence"), ("心影是否增大？", "心影不大。", "size"),
                ("这是什么体位？", "正位。", "projection"))]
    data = tmp_path / "data"
    data.mkdir()
    for k, records in enumerate((train, test)):
        (data / f"fold_{k}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    (data / "dataset.json").write_text(json.dumps({"folds": 2, "image_root": str(tmp_path / "images")}))

    def predictions(name, out, *extra):
        main(["--data", str(data), "--folds", "1", "--model", name, "--out", str(tmp_path / out), *extra])
        return [r["prediction"] for r in saved_rows(tmp_path / out, name, 1)]

    # majority over fold 0: presence 有。 x1, 没有。 x2 -> 没有。; size -> 心影不大。; projection was never
    # asked -> the most frequent answer overall (心影不大。 x3).
    assert predictions("baseline:majority", "m") == ["没有。", "心影不大。", "心影不大。"]
    # retrieval: 有没有病灶？ matches A, B, C verbatim; d.png (left half bright) looks like a.png -> A's 有。
    # 心影是否增大？ shares only the bigram 心影, with 心影大吗？ (C, E) -> 心影不大。
    # 这是什么体位？ shares no bigram: every question ties, and the most similar image, a.png, answers 有。
    assert predictions("baseline:retrieval", "r") == ["有。", "心影不大。", "有。"]
    # Without images a tie goes to the most frequent answer among the tied: 没有。 (2 of 3), then 心影不大。 (3 of 6).
    assert predictions("baseline:retrieval", "r2", "--image_root", str(tmp_path / "none")) == [
        "没有。", "心影不大。", "心影不大。"]
    # question: the question text alone. 有没有病灶？ was answered present once, absent twice -> 没有。;
    # 心影是否增大？ is nearest to 心影大吗？ -> 心影不大。; 这是什么体位？ ties with every question, and the
    # answers without a label (心影不大。 x3) outvote absent (x2) and present (x1).
    assert predictions("baseline:question", "q") == ["没有。", "心影不大。", "心影不大。"]
    # One fold, one patient: no sd, and the interval is the point. majority's ROUGE-1: 没有 vs 有: P 1/2, R 1,
    # F 2/3; 心影不大 vs itself: 1; 心影不大 vs 正位: 0 -> mean 5/9 = 0.5556.
    table = (tmp_path / "m" / "results.md").read_text(encoding="utf-8")
    assert "| baseline:majority | 0.556 [0.556, 0.556] | " in table
    # A blank image takes retrieval's image vote away: it answers as without images, and the table shows the drop.
    assert predictions("baseline:retrieval", "a", "--image_ablation", "blank") == ["有。", "心影不大。", "有。"]
    blank = [r["prediction"] for r in saved_rows(tmp_path / "a", "baseline:retrieval [blank image]", 1)]
    assert blank == ["没有。", "心影不大。", "心影不大。"]
    results = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    ablated = results["baseline:retrieval [blank image]"]
    assert ablated["image_ablation"] == "blank" and ablated["ablation_of"] == "baseline:retrieval"
    # presence: 有 right with the image, 没有 wrong without: accuracy 1 -> 0, a drop of 1 on that type.
    assert results["baseline:retrieval"]["by_type"]["presence"]["accuracy"] == 1.0
    assert ablated["by_type"]["presence"]["accuracy"] == 0.0
    assert ablated["drop"]["by_type"]["presence"]["diff"]["accuracy"] == 1.0
    assert "## Image ablation" in (tmp_path / "a" / "results.md").read_text(encoding="utf-8")


def test_compare_two_rows_with_a_paired_bootstrap(dataset, tmp_path, capsys):
    out = tmp_path / "out"
    base = ["--data", str(dataset), "--folds", "0-1", "--out", str(out), "--bootstrap_samples", "200"]
    results = main([*base, "--model", "baseline:majority", "--model", "baseline:question"])
    # A later run compares two rows already in OUT, from their saved predictions: nothing is predicted again.
    asked = []
    main([*base, "--compare", "baseline:question", "baseline:majority"], wrap=lambda p: Recorder(asked)(p))
    assert asked == []
    comparisons = json.loads((out / "comparisons.json").read_text(encoding="utf-8"))
    c = comparisons["baseline:question − baseline:majority"]
    for key in ("rougeL", "finding_f1", "accuracy"):
        diff = results["baseline:question"]["mean"][key] - results["baseline:majority"]["mean"][key]
        assert c["diff"][key] == pytest.approx(diff)
        assert c["ci95"][key][0] <= c["diff"][key] <= c["ci95"][key][1] and 0 < c["p"][key] <= 1
    assert set(c["by_type"]) == set(results["baseline:majority"]["by_type"])
    assert "## Paired comparisons (--compare A B: A − B)" in (out / "results.md").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main([*base, "--compare", "baseline:question", "baseline:oracle"])
    assert exit_info.value.code == 2 and "no such row" in capsys.readouterr().err


def test_bleu4_per_fold_where_sacrebleu_is_installed(dataset, tmp_path, monkeypatch):
    """BLEU-4 is a corpus figure (no per-answer part): mean and sd across folds, no interval, when available."""
    monkeypatch.setattr("medqa.eval.run.bleu4", lambda preds, refs: 0.1 * len(preds))
    results = main(["--data", str(dataset), "--folds", "0-1", "--model", "baseline:majority", "--out",
                    str(tmp_path / "out"), "--limit", "3", "--bootstrap_samples", "100"])
    entry = results["baseline:majority"]
    assert [entry["folds"][k]["bleu4"] for k in ("0", "1")] == pytest.approx([0.3, 0.3])
    assert entry["mean"]["bleu4"] == pytest.approx(0.3) and entry["sd"]["bleu4"] == pytest.approx(0.0)
    assert "bleu4" not in entry["ci95"]
    assert "| Model | ROUGE-1 | ROUGE-2 | ROUGE-L | Finding F1 | F1 +side | F1 +severity | Closed acc. | BLEU-4 |" in \
        (tmp_path / "out" / "results.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["fold out of range", "missing fold file", "empty fold", "empty predictions",
                                  "bad model", "no base url", "unknown baseline"])
def test_bad_input_exits_2_with_a_clear_message(case, dataset, tmp_path, capsys):
    data, folds, model, extra = dataset, "0-1", "baseline:majority", []
    expected = {"fold out of range": "out of range: this dataset has folds 0-1",
                "missing fold file": "fold 1 does not exist", "empty predictions": "is missing or empty",
                "empty fold": "fold(s) 1 (to evaluate) of",
                "bad model": "cannot load model", "no base url": "needs --base-url",
                "unknown baseline": "unknown baseline"}[case]
    if case == "fold out of range":
        folds = "0-4"
    elif case in ("missing fold file", "empty fold"):
        data = tmp_path / "data"
        shutil.copytree(dataset, data)
        if case == "empty fold":
            (data / "fold_1.jsonl").write_text("")
        else:
            (data / "fold_1.jsonl").unlink()
    elif case == "empty predictions":
        path = predictions_dir(tmp_path / "out", model) / "fold_0.jsonl"
        path.parent.mkdir(parents=True)
        path.write_text("")
        extra = ["--score_only", "true"]
    elif case == "bad model":
        model = str(tmp_path / "no-such-model")
    elif case == "no base url":
        model, extra = "medqa", ["--backend", "openai"]
    else:
        model = "baseline:oracle"
    with pytest.raises(SystemExit) as exit_info:
        main(["--data", str(data), "--folds", folds, "--model", model, "--out", str(tmp_path / "out"), *extra])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err
