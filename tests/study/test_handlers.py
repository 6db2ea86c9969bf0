"""The rater view's handlers without a server: sign-in, form reset and refill, refusals, single-answer designs."""

import pytest

from medqa.study import codes
from medqa.study.cases import build_cases
from medqa.study.definition import load_study
from medqa.study.handlers import OUTPUTS, StudyHandlers
from medqa.study.store import StudyStore
from tests.helpers.paths import OPENI
from tests.study.test_store import setup_pairwise

AT = {name: k for k, name in enumerate(OUTPUTS)}
FORM = [f"f{k}" for k in range(10)]


@pytest.fixture
def pairwise(tmp_path):
    store = StudyStore(tmp_path / "s.db", "s1")
    setup_pairwise(store, 2)
    code = codes.new_code()
    store.set_code("wang", code)
    yield StudyHandlers(store, "pairwise", "zh"), code
    store.close()


def test_sign_in_submit_and_the_form_resets(pairwise):
    view, code = pairwise
    refused = view.sign_in("AAAA-BBBB-CCCC-DDDD")
    assert refused[AT["status"]] == "访问码无效，请核对后重试。" and refused[AT["token"]] == ""
    page = view.sign_in(code)
    token, aid = page[AT["token"]], page[AT["assignment"]]
    assert page[AT["progress"]] == "已登录：wang · 进度：第 1 / 2 例" and page[AT["answer_a"]] == "base答1"
    assert page[AT["image"]]["path"] == "/img/1.png" and [page[AT[f]] for f in FORM] == [
        None, None, None, [], None, None, None, [], None, ""]
    missing = view.submit(token, aid, "4", "3", None, [], "2", "2", "2", [], "A", "")
    assert missing[AT["status"]] == "未保存：请填写回答 A的安全性。"
    assert missing[AT["assignment"]] is not None and missing[AT["token"]] is not None  # the form is kept as typed
    page = view.submit(token, aid, "4", "3", "5", ["wrong_side"], "2", "2", "2", [], "B", "好")
    assert page[AT["status"]] == "已保存第 1 例。" and page[AT["progress"]].endswith("第 2 / 2 例")
    assert [page[AT[f]] for f in FORM] == [None, None, None, [], None, None, None, [], None, ""]  # reset
    back = view.previous(token, page[AT["assignment"]])  # the saved judgement fills the form again
    assert [back[AT[f]] for f in FORM] == ["4", "3", "5", ["wrong_side"], "2", "2", "2", [], "B", "好"]
    long = view.submit(token, back[AT["assignment"]], "5", "3", "5", [], "2", "2", "2", [], "A", "长" * 4001)
    assert long[AT["status"]] == "未保存：备注太长（4001 字），最多 4000 字。未保存，请缩短后再提交。"
    again = view.submit(token, back[AT["assignment"]], "5", "3", "5", [], "2", "2", "2", [], "A", "改")
    assert again[AT["status"]] == "已更新第 1 例（第 2 次修改）。"
    assert len(view.store.judgement_rows()) == 2


def test_the_finished_screen_has_a_way_back_to_the_last_case(pairwise):
    view, code = pairwise
    page = view.sign_in(code)
    assert page[AT["back"]] == {"visible": False, "__type__": "update"}
    for _ in range(2):
        page = view.submit(page[AT["token"]], page[AT["assignment"]], "4", "3", "5", [], "2", "2", "2", [], "A", "")
    assert page[AT["progress"]].startswith("全部 2 例已完成") and "返回上一例" in page[AT["progress"]]
    assert page[AT["back"]] == {"visible": True, "__type__": "update"} and page[AT["assignment"]] is None
    back = view.previous(page[AT["token"]], page[AT["assignment"]])  # what the finished screen's button sends
    assert back[AT["progress"]].endswith("第 2 / 2 例") and back[AT["case"]]["visible"] is True
    assert back[AT["back"]] == {"visible": False, "__type__": "update"} and back[AT["f9"]] == ""


def test_coordinator_times_are_local_and_to_the_second():
    from datetime import datetime, timezone

    from medqa.study.view import local_time

    stamp = datetime(2026, 12, 7, 6, 5, 4, 123456, tzinfo=timezone.utc)
    assert local_time(stamp.isoformat()) == stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert local_time(None) == ""


def test_requests_without_a_valid_session_are_refused(pairwise):
    view, _ = pairwise
    for page in (view.submit("forged", 1, "4", "4", "4", [], "4", "4", "4", [], "A", ""),
                 view.show("", 1), view.previous(None, 1)):
        assert page[AT["status"]] == "请先登录。" and page[AT["token"]] == ""
    assert view.store.judgement_rows() == []


def test_a_single_answer_study_from_a_folder_of_the_shared_images(tmp_path, monkeypatch):
    images = OPENI / "images" / "iu_xray" / "openi_png"
    path = tmp_path / "s.yaml"
    path.write_text(f"study: single\ndesign: single\narms: [{{id: m, model: tiny}}]\nraters: [{{id: r1}}]\n"
                    f"cases: {{images: {images}, questions: [正常吗？, 有积液吗？], patient_pattern: '^(CXR\\d+)_'}}\n",
                    encoding="utf-8")
    cases = build_cases(load_study(path))
    assert len(cases) == 10 and [c.number for c in cases] == list(range(1, 11))
    assert {c.patient for c in cases} == {"CXR1009", "CXR303", "CXR54"} and cases[1].question == "有积液吗？"
    assert cases[0].prompt[0]["content"][0] == {"type": "image", "image": cases[0].source_image}
    store = StudyStore(tmp_path / "s.db", "single")
    store.save_setup({"title": "t", "design": "single", "language": "en", "definition": {}},
                     [{"arm_id": "m", "number": 1, "spec": {}}],
                     [{"case_id": "c1", "number": 1, "patient": "p", "image": "/i.png", "question": "q"}],
                     [{"case_id": "c1", "arm_id": "m", "text": "answer"}], [{"rater_id": "r1", "number": 1}],
                     [{"rater_id": "r1", "position": 1, "case_id": "c1", "arm_a": "m", "arm_b": ""}])
    code = codes.new_code()
    store.set_code("r1", code)
    view = StudyHandlers(store, "single", "en")
    page = view.sign_in(code)
    page = view.submit(page[AT["token"]], page[AT["assignment"]], "3", "3", "3", [], None, None, None, [], None, "")
    assert page[AT["status"]] == "Case 1 saved." and page[AT["progress"]].startswith("All 1 cases are done. Thank you!")
    (row,) = store.judgement_rows()
    assert (row["shown_as"], row["preference"], row["accuracy"]) == ("A", None, 3)
    store.close()
