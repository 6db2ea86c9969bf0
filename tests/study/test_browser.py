"""A whole blind pairwise study in headless Chromium, with the real demo (tiny model) and made-up films.

The study tabs run as `python -m medqa.study serve` runs them (the demo's chat tab has its own browser
test). Two raters sign in with their access codes and rate their queues (one by mouse, one by keyboard
shortcuts); one closes the browser midway, signs in again in a fresh browser and resumes where
the database says; a resubmission updates instead of duplicating. The coordinator downloads the
report, and its counts, per-arm means and agreement figures must equal what this test computes
by hand from the judgements it entered (the A/B blinding is undone from the database).
`MEDQA_SCREENSHOT_STUDY=assets/study_rater.png` refreshes the README's screenshot of the rater view.
"""

import csv
import itertools
import json
import os
import shutil
import socket
import zipfile

import pytest

from medqa.app.ui import launch_options
from medqa.study import codes
from medqa.study.app import build_study_demo, open_study, study_launch_options
from medqa.study.definition import load_study
from medqa.study.prepare import prepare_study
from tests.app.test_browser import CHROMIUM, CHROMIUM_ARGS, synthetic_film

pytestmark = [pytest.mark.slow, pytest.mark.browser]
N_CASES = 4
STUDY = """\
study: browser-pairwise
title: 浏览器测试研究
design: pairwise
raters_per_case: 2
seed: 7
decoding: {max_new_tokens: 8}
arms:
  - {id: greedy, model: MODEL}
  - {id: sampled, model: MODEL, decoding: {strategy: sample, temperature: 1.3}}
cases:
  images: IMAGES
  patient_pattern: '^(CXR\\d+)_'
  questions: [这张胸片正常吗？]
  limit: 4
raters: [{id: wang}, {id: li}]
"""


def scores(rater: str, position: int, letter: str) -> tuple[int, int, int]:
    """The scores this test gives: varied, and different between the raters, so agreement is not trivial."""
    base = {"wang": 1, "li": 2}[rater] + position + (2 if letter == "B" else 0)
    return base % 5 + 1, (base + 1) % 5 + 1, (base * 2) % 5 + 1


PREFERENCES = {("wang", 1): "A", ("wang", 2): "B", ("wang", 3): "tie", ("wang", 4): "A",
               ("li", 1): "A", ("li", 2): "both_bad", ("li", 3): "B", ("li", 4): "A"}
PREF_KEYS = {"A": "a", "B": "b", "tie": "t", "both_bad": "x"}


@pytest.fixture(scope="module")
def study_app(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("study-browser")
    images = root / "films"  # made-up films: the committed screenshot must not show a patient's image
    images.mkdir()
    for k in range(N_CASES):
        synthetic_film(images / f"CXR{k // 2 + 1}_IM-000{k}-1001.png", size=320 + 32 * k)
    path = root / "study.yaml"
    path.write_text(STUDY.replace("MODEL", str(tiny_model)).replace("IMAGES", str(images)), encoding="utf-8")
    prepare_study(load_study(path), show_progress=False)
    study, store = open_study(str(path))
    invitations = {rater: codes.new_code() for rater in ("wang", "li")}
    for rater, code in invitations.items():
        store.set_code(rater, code)
    # The study tabs alone (as `python -m medqa.study serve`): the chat tab has its own browser test.
    demo = build_study_demo(study, store, "s3cret")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                            **study_launch_options(study, launch_options()))
    yield {"url": url, "store": store, "codes": invitations, "root": root}
    demo.close()
    store.close()


def sign_in(page, url: str, code: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    page.locator("#study-code input").fill(code)
    page.locator("#study-sign-in").click()
    expect(page.locator("#study-case")).to_be_visible(timeout=60_000)


def rate_case(page, rater: str, position: int, *, keyboard: bool) -> None:
    """Fill the form for the case shown at `position` and submit it; wait until the next case is shown."""
    from playwright.sync_api import expect

    expect(page.locator("#study-progress")).to_contain_text(f"第 {position} / {N_CASES} 例", timeout=30_000)
    for letter in "AB":
        # A new case starts with an empty form.
        expect(page.locator(f"#study-accuracy-{letter.lower()} input:checked")).to_have_count(0)
        for name, value in zip(("accuracy", "completeness", "safety"), scores(rater, position, letter), strict=True):
            page.locator(f"#study-{name}-{letter.lower()}").get_by_text(str(value), exact=True).click()
    if position % 2:
        page.locator("#study-errors-b").get_by_text("左右侧错误").click()
    pref = PREFERENCES[(rater, position)]
    if keyboard:
        page.locator("#study-question").click()  # focus off the text boxes: the letter keys choose
        page.keyboard.press(PREF_KEYS[pref])
        page.locator("#study-comment textarea").fill(f"{rater} 第{position}例")
        page.keyboard.press("Control+Enter")
    else:
        page.locator("#study-preference").get_by_text({"A": "A 更好", "B": "B 更好", "tie": "一样好",
                                                       "both_bad": "都不好"}[pref]).click()
        page.locator("#study-comment textarea").fill(f"{rater} 第{position}例")
        page.locator("#study-submit").click()
    expect(page.locator("#study-status")).to_contain_text(f"已保存第 {position} 例", timeout=30_000)


def test_a_whole_pairwise_study_in_the_browser(study_app, tmp_path):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/run, or `apt-get install -y chromium fonts-noto-cjk`")
    from playwright.sync_api import expect, sync_playwright

    url, store = study_app["url"], study_app["store"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        first = browser.new_context(viewport={"width": 1440, "height": 1100})
        page = first.new_page()
        sign_in(page, url, study_app["codes"]["wang"])
        for position in (1, 2):
            rate_case(page, "wang", position, keyboard=False)
        first.close()  # wang closes the browser midway

        again = browser.new_context(viewport={"width": 1440, "height": 1100})  # another browser, no cookies
        page = again.new_page()
        sign_in(page, url, study_app["codes"]["wang"].lower())
        expect(page.locator("#study-progress")).to_contain_text(f"第 3 / {N_CASES} 例")  # resumed
        page.locator("#study-previous").click()  # back to case 2: the saved judgement fills the form
        expect(page.locator("#study-progress")).to_contain_text(f"第 2 / {N_CASES} 例")
        expect(page.locator("#study-comment textarea")).to_have_value("wang 第2例")
        page.locator("#study-submit").click()  # submitted again: an update, not a second judgement
        expect(page.locator("#study-status")).to_contain_text("已更新第 2 例（第 2 次修改）")
        for position in (3, 4):
            rate_case(page, "wang", position, keyboard=True)
        expect(page.locator("#study-progress")).to_contain_text(f"全部 {N_CASES} 例已完成")
        page.locator("#study-back").click()  # the finished screen's way back: the last case, its judgement kept
        expect(page.locator("#study-progress")).to_contain_text(f"第 {N_CASES} / {N_CASES} 例")
        expect(page.locator("#study-comment textarea")).to_have_value(f"wang 第{N_CASES}例")

        other = browser.new_context(viewport={"width": 1440, "height": 1100})
        page = other.new_page()
        sign_in(page, url, study_app["codes"]["li"])
        for position in range(1, N_CASES + 1):
            rate_case(page, "li", position, keyboard=position > 2)
            if position == 1:  # the next case, its form empty again
                expect(page.locator("#study-case input:checked")).to_have_count(0)
                page.wait_for_timeout(500)  # the radios' fade-out
                page.screenshot(path=str(tmp_path / "rater.png"), full_page=True)

        coordinator = browser.new_context(viewport={"width": 1440, "height": 1100}, accept_downloads=True)
        page = coordinator.new_page()
        page.goto(url)
        page.get_by_role("tab", name="研究协调").click()
        page.locator("#study-admin-password input").fill("s3cret")
        with page.expect_download(timeout=60_000) as info:  # the report's zip comes inside the reply
            page.locator("#study-make-report").click()
        info.value.save_as(tmp_path / "report.zip")
        browser.close()
    with zipfile.ZipFile(tmp_path / "report.zip") as archive:
        archive.extractall(tmp_path / "report")
    files = {name: tmp_path / "report" / name for name in ("judgements.csv", "summary.json")}
    check_report(store, files)
    if os.environ.get("MEDQA_SCREENSHOT_STUDY"):
        shutil.copyfile(tmp_path / "rater.png", os.environ["MEDQA_SCREENSHOT_STUDY"])


def expected_judgements(store) -> list[dict]:
    """What this test entered, unblinded through the database's queues: one dict per rater and answer."""
    out = []
    for entry in store.assignments():
        rater, position = entry["rater_id"], entry["position"]
        pref = PREFERENCES[(rater, position)]
        winner = {"A": entry["arm_a"], "B": entry["arm_b"]}.get(pref, pref)
        for letter, arm in (("A", entry["arm_a"]), ("B", entry["arm_b"])):
            acc, comp, safe = scores(rater, position, letter)
            out.append({"rater": rater, "position": position, "case": entry["case_id"], "arm": arm, "accuracy": acc,
                        "completeness": comp, "safety": safe, "pair": (entry["arm_a"], entry["arm_b"]),
                        "winner": winner, "wrong_side": int(letter == "B" and position % 2 == 1)})
    return out


def check_report(store, files: dict) -> None:
    want = expected_judgements(store)
    rows = list(csv.DictReader(files["judgements.csv"].read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == len(want) == 2 * 2 * N_CASES
    assert [int(r["序号"]) for r in rows] == list(range(1, len(rows) + 1))
    got = {(r["评阅者"], int(r["队列位置"]), r["模型"]): r for r in rows}
    for w in want:  # each judgement, as entered, under its real arm, with 1-based positions as on screen
        row = got[(w["rater"], w["position"], w["arm"])]
        assert (int(row["准确性 (1-5)"]), int(row["完整性 (1-5)"]), int(row["安全性 (1-5)"])) == (
            w["accuracy"], w["completeness"], w["safety"])
        assert int(row["左右侧错误"]) == w["wrong_side"]
        assert row["修改次数"] == ("2" if (w["rater"], w["position"]) == ("wang", 2) else "1")
    summary = json.loads(files["summary.json"].read_text(encoding="utf-8"))
    assert summary["counts"]["judgements"] == len(want) and summary["counts"]["assignments_done"] == 2 * N_CASES
    for arm in summary["arm_summaries"]:
        mine = [w for w in want if w["arm"] == arm["arm_id"]]
        assert arm["n"] == len(mine) == 2 * N_CASES
        for name in ("accuracy", "completeness", "safety"):
            assert arm[name]["mean"] == pytest.approx(sum(w[name] for w in mine) / len(mine))
    (wins,) = summary["win_rates"]
    firsts = [w for w in want if w["arm"] == w["pair"][0]]  # one per comparison
    assert wins["n"] == 2 * N_CASES and wins["ties"] == sum(w["winner"] == "tie" for w in firsts)
    assert wins["wins_a"] == sum(w["winner"] == wins["arm_a"] for w in firsts)
    assert summary["agreement"]["accuracy"]["alpha"] == pytest.approx(hand_alpha(want, "accuracy"))
    assert summary["agreement"]["preference"]["kappa"] == pytest.approx(hand_kappa(firsts))


def hand_alpha(want: list[dict], score: str) -> float:
    """Krippendorff's alpha, ordinal, from the coincidence matrix (Krippendorff 2011, section C and E)."""
    units: dict = {}
    for w in want:
        units.setdefault((w["case"], w["arm"]), []).append(w[score])
    values = sorted({v for vals in units.values() for v in vals})
    o = {(c, k): 0.0 for c in values for k in values}
    for vals in units.values():
        if len(vals) < 2:
            continue
        for i, j in itertools.permutations(range(len(vals)), 2):
            o[(vals[i], vals[j])] += 1 / (len(vals) - 1)
    n_c = {c: sum(o[(c, k)] for k in values) for c in values}
    n = sum(n_c.values())

    def delta(c, k):
        lo, hi = min(c, k), max(c, k)
        return (sum(n_c[g] for g in values if lo <= g <= hi) - (n_c[c] + n_c[k]) / 2) ** 2

    observed = sum(o[(c, k)] * delta(c, k) for c in values for k in values)
    expected = sum(n_c[c] * n_c[k] * delta(c, k) for c in values for k in values) / (n - 1)
    return 1 - observed / expected


def hand_kappa(firsts: list[dict]) -> float:
    """Cohen's kappa of the two raters' preferences (the winning arm, tie or both bad) on the cases both judged."""
    by_case: dict = {}
    for w in firsts:
        by_case.setdefault(w["case"], {})[w["rater"]] = w["winner"]
    pairs = [(v["wang"], v["li"]) for v in by_case.values()]
    labels = {x for pair in pairs for x in pair}
    p_observed = sum(a == b for a, b in pairs) / len(pairs)
    p_chance = sum((sum(a == c for a, _ in pairs) / len(pairs)) * (sum(b == c for _, b in pairs) / len(pairs))
                   for c in labels)
    return (p_observed - p_chance) / (1 - p_chance)
