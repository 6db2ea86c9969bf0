"""Study files checked on load; prepare with the real tiny model (resumable); invitations; the report files."""

import csv
import dataclasses
import importlib.util
import json
import os
import textwrap
from pathlib import Path

import pytest

from medqa.study import codes
from medqa.study.__main__ import main
from medqa.study.assign import plan_assignments
from medqa.study.definition import StudyError, load_study
from medqa.study.prepare import build_backend, prepare_study
from medqa.study.store import AnswerJudgement, StudyStore, Submission
from tests.helpers.synthetic import write_blob_dataset


def study_yaml(tmp_path, body: str, name: str = "study.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


BASE = """\
study: s1
design: pairwise
raters_per_case: 2
seed: 3
decoding: {max_new_tokens: 6}
arms:
  - {id: greedy, model: MODEL}
  - {id: sampled, model: MODEL, decoding: {strategy: sample, temperature: 1.5}}
cases: {dataset: data, fold: 1, limit: 3}
raters: [{id: wang}, {id: li}, {id: zhao}]
"""


@pytest.mark.parametrize(("change", "message"), [
    (("design: pairwise", "design: triple"), ":2: design must be single or pairwise"),
    (("seed: 3", "sede: 3"), ":4: unknown key 'sede' in the study (did you mean 'seed'?)"),
    (("raters_per_case: 2", "raters_per_case: 4"), ":3: raters_per_case must be 1-3"),
    (("{id: sampled, model: MODEL, decoding", "{id: greedy, model: MODEL, decoding"), "two arms have the same id"),
    (("{strategy: sample", "{strategy: magic"), ":8: decoding: decoding strategy must be greedy"),
    (("{id: greedy, model: MODEL}", "{id: greedy, backend: openai, model: m}"), ":7: arm greedy: backend openai"),
    (("cases: {dataset: data, fold: 1, limit: 3}", "cases: {fold: 1}"), ":9: cases need exactly one of"),
    (("[{id: wang}, {id: li}, {id: zhao}]", "[{id: wang}, {id: wang}, {id: li}]"), "rater 'wang' is listed twice"),
    (("{id: li}", "{id: 'li li'}"), "rater id 'li li': use letters, digits"),
    (("seed: 3", "seed: three"), ":4: 'seed' must be a whole number, got 'three'"),
])
def test_a_bad_study_file_names_its_line_and_problem(tmp_path, change, message):
    path = study_yaml(tmp_path, BASE.replace(*change))
    with pytest.raises(StudyError) as info:
        load_study(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_assignment_plan_is_balanced_blind_and_reproducible():
    cases, raters = [f"c{k}" for k in range(12)], ["r1", "r2", "r3"]
    plan = plan_assignments(cases, ["x", "y"], raters, "pairwise", 2, seed=5)
    assert plan == plan_assignments(cases, ["x", "y"], raters, "pairwise", 2, seed=5)
    assert plan != plan_assignments(cases, ["x", "y"], raters, "pairwise", 2, seed=6)
    assert {r: sum(a["rater_id"] == r for a in plan) for r in raters} == {"r1": 8, "r2": 8, "r3": 8}
    for case in cases:  # every case rated by two different raters
        assert len({a["rater_id"] for a in plan if a["case_id"] == case}) == 2
    for key in ("rater_id", "case_id"):  # each arm is A as often as B for every rater and every case, +-1
        for who in {a[key] for a in plan}:
            sides = [a["arm_a"] for a in plan if a[key] == who]
            assert abs(sides.count("x") - sides.count("y")) <= 1, (key, who, sides)
    three = plan_assignments(cases, ["x", "y", "z"], raters + ["r4"], "pairwise", 3, seed=2)
    for pair in (("x", "y"), ("x", "z"), ("y", "z")):
        for key in ("rater_id", "case_id"):
            for who in {a[key] for a in three}:
                mine = [a for a in three if a[key] == who and {a["arm_a"], a["arm_b"]} == set(pair)]
                firsts = [a["arm_a"] == pair[0] for a in mine]
                assert abs(2 * sum(firsts) - len(firsts)) <= 1, (pair, key, who)
    single = plan_assignments(cases[:4], ["x", "y"], raters, "single", 1, seed=1)
    assert len(single) == 8 and all(a["arm_b"] == "" for a in single)
    for rater in raters:  # a rater never gets two arms of one case in a single-answer design, when avoidable
        mine = [a["case_id"] for a in single if a["rater_id"] == rater]
        assert len(mine) == len(set(mine))


@pytest.fixture(scope="module")
def prepared(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    write_blob_dataset(root / "data", n_per_fold=3, folds=2)
    path = study_yaml(root, BASE.replace("MODEL", str(tiny_model)))
    study = load_study(path)
    calls, resumed = [], []

    def flaky(arm):  # the real backend; the first run of the sampled arm dies after its first answer
        backend = build_backend(arm)
        inner = backend.generate

        def generate(conversations, settings):
            calls.append((arm.arm_id, len(conversations)))
            if arm.arm_id == "sampled" and len(calls) == 5 and not resumed:
                raise KeyboardInterrupt  # like Ctrl+C mid-run
            return inner(conversations, settings)

        backend.generate = generate
        return backend

    study = dataclasses.replace(study, batch_size=1)
    with pytest.raises(KeyboardInterrupt):
        prepare_study(study, flaky, show_progress=False)
    first_run = len(calls)
    resumed.append(True)
    summary = prepare_study(study, flaky, show_progress=False)
    return {"study": study, "summary": summary, "calls": calls, "first_run": first_run}


def test_prepare_resumes_and_stores_every_answer_once(prepared):
    study, calls = prepared["study"], prepared["calls"]
    # 3 greedy + 1 sampled answer before the interruption; only the 2 missing sampled ones after it.
    assert prepared["first_run"] == 5 and len(calls) == 7 and calls[-2:] == [("sampled", 1), ("sampled", 1)]
    assert prepared["summary"] | {"db": None} == {
        "study": "s1", "db": None, "cases": 3, "arms": ["greedy", "sampled"], "raters": 3, "assignments": 6,
        "uninvited": ["wang", "li", "zhao"]}
    store = StudyStore(study.db, "s1")
    rows = store.db.query("SELECT case_id, arm_id, text FROM answers ORDER BY case_id, arm_id")
    assert len(rows) == 6 and all(isinstance(r["text"], str) for r in rows)
    images = store.db.query("SELECT image, patient FROM cases ORDER BY number")
    assert [r["patient"] for r in images] == ["1-0", "1-1", "1-2"]  # the records' uids
    assert all(os.path.isfile(r["image"]) and "f1_" not in r["image"] for r in images)
    assert prepare_study(study, lambda arm: pytest.fail("nothing left to generate"), show_progress=False)
    store.close()


def test_invite_and_report_through_the_command_line(prepared, tmp_path, capsys):
    study = prepared["study"]
    assert main(["invite", str(study.path), "--raters", "wang", "li", "--out", str(tmp_path / "inv.csv")]) == 0
    assert oct((tmp_path / "inv.csv").stat().st_mode & 0o777) == "0o600"
    invites = dict(csv.reader((tmp_path / "inv.csv").read_text(encoding="utf-8-sig").splitlines()[1:]))
    store = StudyStore(study.db, "s1")
    rater, token = store.sign_in(invites["wang"])
    assert rater == "wang"
    first = store.queue_state("wang")["next"]
    store.submit("wang", Submission(first["assignment_id"], {"A": AnswerJudgement(5, 4, 5, ["language"]),
                                                             "B": AnswerJudgement(2, 2, 1, ["unsafe_advice"])},
                                    "A", "=cmd()"))
    assert main(["report", str(study.path), "--out", str(tmp_path / "rep"), "--language", "en"]) == 0
    rows = list(csv.DictReader((tmp_path / "rep" / "judgements.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert (tmp_path / "rep" / "judgements.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert [(r["judgement_no"], r["rater_id"], r["position"], r["shown_as"]) for r in rows] == [
        ("1", "wang", "1", "A"), ("2", "wang", "1", "B")]
    assert rows[0]["comment"] == "'=cmd()" and rows[0]["outcome"] == "win" and rows[1]["outcome"] == "loss"
    assert rows[0]["question"] == "有没有病灶？" and rows[1]["err_unsafe_advice"] == "1"
    assert rows[0]["preference_shown"] == "A" and rows[0]["accuracy"] == "5"
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["judgements"] == 2 and summary["win_rates"][0]["n"] == 1
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Reader study report" in html and "data:image/png;base64" in html
    assert main(["report", str(study.path), "--out", str(tmp_path / "zh")]) == 0
    assert "阅片研究报告" in (tmp_path / "zh" / "report.html").read_text(encoding="utf-8")
    zh_csv = (tmp_path / "zh" / "judgements.csv").read_text(encoding="utf-8-sig")
    zh_rows = list(csv.DictReader(zh_csv.splitlines()))
    assert zh_rows[0]["评阅者"] == "wang" and zh_rows[0]["比较结果"] == "胜"
    assert zh_rows[1]["哪个回答更好？"] == "A 更好"
    assert main(["hash-code", invites["li"]]) == 0
    assert codes.verify_code(invites["li"], capsys.readouterr().out.split()[-1])
    store.close()


def test_the_demo_serves_a_prepared_study_without_a_free_chat(prepared, tiny_model, capsys):
    spec = importlib.util.spec_from_file_location("demo_app", Path(__file__).resolve().parents[2] / "demo" / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    study = prepared["study"]
    argv = ["--model", str(tiny_model), "--no-warmup", "--study", str(study.path), "--db", study.db]
    demo, settings = app.create_app(argv)
    tabs = [b.label for b in demo.blocks.values() if type(b).__name__ == "Tab"]
    assert tabs == (["阅片研究", "研究协调"] if settings.admin_password else ["阅片研究"])
    # Blinding by design: no event of the page reaches a model, so a rater cannot ask the study's models the
    # case question and match their answers to A and B.
    endpoints = set(demo.get_api_info()["named_endpoints"])
    assert {"/study_sign_in", "/study_submit"} <= endpoints and not endpoints & {"/ask", "/ask_region", "/rate"}
    assert not any(type(b).__name__ == "Chatbot" for b in demo.blocks.values())
    demo.close()
    unprepared = Path(study.path).with_name("other.yaml")
    unprepared.write_text(Path(study.path).read_text(encoding="utf-8").replace("study: s1", "study: s2"),
                          encoding="utf-8")
    assert app.main(["--model", str(tiny_model), "--no-warmup", "--study", str(unprepared)]) == 2
    assert "study 's2' is not prepared" in capsys.readouterr().err


def test_a_case_whose_report_has_two_views_shows_both_side_by_side(tmp_path):
    import json

    from PIL import Image

    from medqa.study.cases import build_cases, export_case_image

    data = write_blob_dataset(tmp_path / "data", n_per_fold=3, folds=2)
    fold = data / "fold_1.jsonl"
    records = [json.loads(line) for line in fold.read_text(encoding="utf-8").splitlines()]
    records[1]["uid"] = records[0]["uid"]  # the frontal and the lateral of one report
    Image.new("RGB", (40, 80), (200, 200, 200)).save(data / records[1]["images"][0])  # a narrower, taller view
    fold.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    cases = build_cases(load_study(study_yaml(tmp_path, BASE.replace("MODEL", "tiny"))))
    first, second, third = cases
    assert first.views == (second.source_image,) and second.views == (first.source_image,) and third.views == ()
    assert first.prompt == cases[0].prompt and "f1_1" not in json.dumps(first.prompt)  # the arms see one image
    with Image.open(export_case_image(first, tmp_path / "out")) as shown, Image.open(first.source_image) as own:
        height = min(own.height, 80)  # both views scaled to the smaller height, side by side, 12 px apart
        assert shown.size == (round(own.width * height / own.height) + 12 + round(40 * height / 80), height)
    with Image.open(export_case_image(third, tmp_path / "out")) as alone, Image.open(third.source_image) as own:
        assert alone.size == own.size
