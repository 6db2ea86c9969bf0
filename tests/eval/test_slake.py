"""`python evaluate.py --benchmark slake` on SLAKE's real format: baselines fitted on train + validate (checked by
hand), an OpenAI-compatible endpoint, the tiny model, resume, clear errors, and the round trip SLAKE ->
`medqa.data import slake` -> train.py -> evaluate.py --benchmark slake."""

import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from evaluate import main
from medqa.data import cli as data_cli
from medqa.eval.predictions import predictions_dir
from medqa.eval.slake_summary import FIGURES
from tests.helpers.fake_openai import FakeOpenAIServer
from tests.helpers.paths import REPO
from tests.helpers.slake import entries, make_slake_dir


@pytest.fixture(scope="module")
def slake(tmp_path_factory) -> Path:
    return make_slake_dir(tmp_path_factory.mktemp("slake"))


def args(slake: Path, out: Path, *extra: str, lang: str = "zh", modality: str = "all") -> list[str]:
    return ["--benchmark", "slake", "--data", str(slake), "--split", "test", "--lang", lang, "--modality", modality,
            "--out", str(out), "--bootstrap_samples", "200", *extra]


def saved(out: Path, name: str) -> dict[str, dict]:
    path = predictions_dir(out, name) / "slake_test.jsonl"
    return {r["key"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def majority_by_hand(lang: str, modality: str) -> dict[str, str]:
    """The most frequent train + validate answer per answer type, in the question's language and modality."""
    counts: dict[str, Counter] = {}
    for split in ("train", "validate"):
        for e in entries(split):
            if e["answer"] and e["q_lang"] == lang and modality in ("all", e["modality"]):
                counts.setdefault(e["answer_type"], Counter())[e["answer"]] += 1
    return {t: c.most_common(1)[0][0] for t, c in counts.items()}


class Recorder:
    def __init__(self, made: list) -> None:
        self.made = made

    def __call__(self, inner):
        self.made.append(inner)
        return inner


def test_baselines_fitted_on_train_and_validate(slake, tmp_path):
    out, made = tmp_path / "out", []
    results = main(args(slake, out, "--model", "baseline:majority", "--model", "baseline:question"),
                   wrap=Recorder(made))
    test = [e for e in entries("test") if e["q_lang"] == "zh"]
    majority = majority_by_hand("zh", "all")
    rows = saved(out, "baseline:majority")
    assert sorted(rows) == sorted(f"q{e['qid']}" for e in test)
    assert all(rows[f"q{e['qid']}"]["prediction"] == majority[e["answer_type"]] for e in test)
    # The question baseline answers a question the training splits ask verbatim, always answered alike, with
    # that answer.
    by_question: dict[str, Counter] = {}
    for split in ("train", "validate"):
        for e in entries(split):
            if e["q_lang"] == "zh" and e["answer"]:
                by_question.setdefault(e["question"], Counter())[e["answer"]] += 1
    unanimous = [e for e in test if len(by_question.get(e["question"], ())) == 1]
    question_rows = saved(out, "baseline:question")
    assert unanimous and all(question_rows[f"q{e['qid']}"]["prediction"] == next(iter(by_question[e["question"]]))
                             for e in unanimous)
    entry = results["baseline:majority"]
    assert (entry["benchmark"], entry["split"], entry["lang"], entry["modality"], entry["n"]) == (
        "slake", "test", "zh", "all", len(test))
    closed = [e for e in test if e["answer_type"] == "CLOSED"]
    assert entry["all"]["closed_em"]["n"] == len(closed) and entry["all"]["closed_yesno"]["n"] == 0
    hits = sum(majority["CLOSED"] == e["answer"] for e in closed)  # exact, after normalisation: same strings here
    assert entry["all"]["closed_em"]["value"] == pytest.approx(hits / len(closed))
    for block in (entry["all"], *entry["by_content_type"].values()):
        for fig in FIGURES:
            if block[fig]["value"] is not None:
                low, high = block[fig]["ci95"]
                assert low <= block[fig]["value"] <= high
    assert entry["bootstrap"]["unit"] == "image" and entry["images"] == len({e["img_id"] for e in test})
    table = (out / "results.md").read_text(encoding="utf-8")
    assert "| Model | CLOSED exact match | CLOSED yes/no acc. (LLaVA-Med, en) | OPEN exact match | OPEN recall " \
           "(LLaVA-Med) |" in table
    assert "lmms-eval tasks/slake/utils.py" in table and "LLaVA-Med llava/eval/run_eval.py" in table
    assert json.loads((out / "results.json").read_text(encoding="utf-8")) == results
    made.clear()
    main(args(slake, out, "--model", "baseline:majority"), wrap=Recorder(made))
    assert made == []  # resumed: every answer saved, no baseline even fitted
    rescored = main(args(slake, out, "--model", "baseline:majority", "--score_only", "true"))
    assert rescored["baseline:majority"] == results["baseline:majority"]

def test_saved_predictions_of_another_reference_are_refused(slake, tmp_path, capsys):
    mine, out = tmp_path / "Slake1.0", tmp_path / "out"
    shutil.copytree(slake, mine)
    main(args(mine, out, "--model", "baseline:majority"))
    raw = entries("test")
    next(e for e in raw if e["q_lang"] == "zh")["answer"] += "（改）"
    (mine / "test.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:  # a reference changed under the saved predictions
        main(args(mine, out, "--model", "baseline:majority", "--score_only", "true"))
    assert exit_info.value.code == 2 and "was made for another question or answer" in capsys.readouterr().err


def test_both_languages_get_answers_in_their_own_language(slake, tmp_path):
    out = tmp_path / "out"
    main(args(slake, out, "--model", "baseline:majority", lang="both", modality="X-Ray"))
    rows = saved(out, "baseline:majority")
    for lang in ("zh", "en"):
        majority = majority_by_hand(lang, "X-Ray")
        mine = [e for e in entries("test") if e["q_lang"] == lang and e["modality"] == "X-Ray"]
        assert mine and all(rows[f"q{e['qid']}"]["prediction"] == majority[e["answer_type"]] for e in mine)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    english_closed = sum(e["q_lang"] == "en" and e["modality"] == "X-Ray" and e["answer_type"] == "CLOSED"
                         for e in entries("test"))
    assert results["baseline:majority"]["all"]["closed_yesno"]["n"] == english_closed > 0


def test_the_retrieval_baseline_and_the_bench_script(slake, tmp_path, capsys):
    out = tmp_path / "out"
    main(args(slake, out, "--model", "baseline:retrieval", lang="both"))
    train = {(e["q_lang"], e["answer"]) for s in ("train", "validate") for e in entries(s) if e["answer"]}
    rows = saved(out, "baseline:retrieval")
    assert all((e["q_lang"], rows[f"q{e['qid']}"]["prediction"]) in train for e in entries("test"))
    spec = importlib.util.spec_from_file_location("slake_baselines", REPO / "bench" / "slake_baselines.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--help"])
    assert exit_info.value.code == 0 and "slake_dir" in capsys.readouterr().out
    assert bench.main([str(slake), "--out", str(tmp_path / "bench"), "--samples", "100"]) == 0
    table = (tmp_path / "bench" / "baselines.md").read_text(encoding="utf-8").splitlines()
    assert [line.split(" | ")[1] for line in table[2:]] == ["baseline:majority", "baseline:question"] * 3
    assert table[2].startswith("| zh X-Ray (") and table[6].startswith("| zh all (")


def test_an_openai_endpoint_answers_with_the_image(slake, tmp_path):
    answers = {e["question"]: e["answer"] for e in entries("test")}

    def reply(body):
        text = [p["text"] for m in body["messages"] if m["role"] == "user" for p in m["content"]
                if p["type"] == "text"]
        return answers[text[-1]]

    with FakeOpenAIServer(reply) as server:
        results = main(args(slake, tmp_path / "out", "--backend", "openai", "--base_url", server.url,
                            "--model", "served", modality="X-Ray"))
    figures = results["served"]["all"]
    assert figures["closed_em"]["value"] == figures["open_em"]["value"] == figures["open_recall"]["value"] == 1.0
    image_part = server.requests[0]["messages"][1]["content"][0]
    assert image_part["type"] == "image_url" and image_part["image_url"]["url"].startswith("data:image/")


def test_the_tiny_model_row_and_clear_errors(slake, tiny_model, tmp_path, capsys):
    out = tmp_path / "out"
    results = main(args(slake, out, "--model", f"tiny={tiny_model}", "--limit", "3", "--max_new_tokens", "3",
                        "--batch_size", "3", "--image_ablation", "blank"))
    assert sorted(results) == ["tiny", "tiny [blank image]"]
    assert all(r["n"] == 3 and r["errors"] == 0 for r in results.values())
    assert all(len(r["prediction"]) > 0 for r in saved(out, "tiny").values())
    assert "| tiny [blank image] | " in (out / "results.md").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:  # another setting into the same table
        main(args(slake, out, "--model", "baseline:majority", "--limit", "3", lang="en"))
    assert exit_info.value.code == 2 and "give this setting its own --out" in capsys.readouterr().err
    data = tmp_path / "imported"
    assert data_cli.main(["import", "slake", str(slake), "--out", str(data)]) == 0
    with pytest.raises(SystemExit) as exit_info:  # a medqa dataset's table into a SLAKE --out
        main(["--data", str(data), "--folds", "2", "--out", str(out), "--model", "baseline:majority"])
    assert exit_info.value.code == 2 and "holds SLAKE rows ('tiny')" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(args(slake.parent / "nope", tmp_path / "o2", "--model", "baseline:majority"))
    assert exit_info.value.code == 2 and "SLAKE folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["--benchmark", "slake", "--help"])
    assert exit_info.value.code == 0
    shown = capsys.readouterr().out
    assert all(f"--{o}" in shown for o in ("benchmark", "split", "lang", "modality"))


def test_round_trip_import_train_evaluate(slake, tiny_model, tmp_path):
    import train

    data = tmp_path / "slake-zh"
    assert data_cli.main(["import", "slake", str(slake), "--out", str(data), "--lang", "zh"]) == 0
    run = tmp_path / "lora"
    summary = train.main(["--model", str(tiny_model), "--data", str(data), "--fold", "2", "--output_dir", str(run),
                          "--method", "lora", "--lora_r", "4", "--lora_alpha", "8", "--max_steps", "2",
                          "--per_device_train_batch_size", "2", "--gradient_accumulation_steps", "1",
                          "--max_length", "1024", "--save_steps", "10000", "--logging_steps", "1",
                          "--disable_tqdm", "true", "--report_to", "none"])
    assert summary["train_folds"] == [0, 1] and summary["samples"] > 0
    assert (run / "medqa_conversation.json").read_text(encoding="utf-8") == (
        data / "medqa_conversation.json").read_text(encoding="utf-8")  # trained with the prompt the exports carry
    results = main(args(slake, tmp_path / "out", "--model", f"lora={run}", "--limit", "4", "--max_new_tokens", "3"))
    assert results["lora"]["n"] == 4 and results["lora"]["errors"] == 0
