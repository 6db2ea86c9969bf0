"""The demo in a real browser: headless Debian Chromium driven by Playwright.

Loads the page, checks that the chat, the image panel and the rating controls are there, uploads
an X-ray, asks a question, waits for the streamed answer and saves a screenshot (to
$MEDQA_SCREENSHOT as well when set; `MEDQA_SCREENSHOT=assets/demo.png` refreshes the README's).
"""

import os
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from medqa.app.settings import AppSettings
from medqa.app.ui import build_demo, launch_options
from medqa.core.modeling import load_model
from medqa.feedback.store import FeedbackStore
from medqa.serve.local import LocalBackend

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def synthetic_film(path: Path, size: int = 448) -> Path:
    """A made-up chest-film look (dark lungs, bright mediastinum): no patient image is ever committed."""
    image = Image.new("L", (size, size), 200)
    draw = ImageDraw.Draw(image)
    for box in ((0.12, 0.15, 0.47, 0.85), (0.53, 0.15, 0.88, 0.85)):
        draw.ellipse([int(v * size) for v in box], fill=60)
    draw.ellipse([int(v * size) for v in (0.42, 0.45, 0.66, 0.8)], fill=185)  # the heart shadow
    noise = np.random.default_rng(0).normal(0, 6, (size, size))
    pixels = np.clip(np.asarray(image.filter(ImageFilter.GaussianBlur(size / 40)), float) + noise, 0, 255)
    Image.fromarray(pixels.astype(np.uint8)).convert("RGB").save(path)
    return path


def test_page_in_headless_chromium(tiny_model, tmp_path):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/run, or `apt-get install -y chromium fonts-noto-cjk`")
    from playwright.sync_api import expect, sync_playwright

    settings = AppSettings(model="tiny", admin_password="s3cret", default_max_new_tokens=24)
    store = FeedbackStore(tmp_path / "r.db")
    demo = build_demo(LocalBackend(load_model(str(tiny_model))), store, settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                            **launch_options())
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1200})
            page.goto(url)
            for element in ("#chat", "#xray-image", "#rating", "#research-notice"):
                expect(page.locator(element)).to_be_visible(timeout=60_000)
            expect(page.get_by_text("仅供科研使用")).to_be_visible()
            for label in ("准确性 (1-5)", "完整性 (1-5)", "安全性 (1-5)", "提交评价", "上传胸片（PNG / JPEG / DICOM）"):
                expect(page.get_by_text(label, exact=True).first).to_be_visible()
            page.locator("input[type=file]").first.set_input_files(str(synthetic_film(tmp_path / "film.png")))
            expect(page.locator("#chat").get_by_text("已载入图像 film.png")).to_be_visible(timeout=60_000)
            expect(page.locator("#xray-image img")).to_be_visible(timeout=60_000)
            page.get_by_label("问题").fill("这张胸片正常吗？")
            page.get_by_label("问题").press("Enter")  # Enter sends, as in any chat
            expect(page.locator("#chat").get_by_text("这张胸片正常吗？")).to_be_visible(timeout=60_000)
            expect(page.get_by_label("问题")).to_have_value("", timeout=60_000)
            expect(page.locator("#rating input[type=number]")).to_have_value("1", timeout=60_000)  # answer done
            shot = page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
            rate_in_the_chat(page)
            coordinator_in_english(page)
            phone_layout(browser, url, tmp_path / "phone.png")
            browser.close()
    finally:
        demo.close()
    assert Image.open(tmp_path / "demo.png").size[0] == 1440 and len(shot) > 10_000
    thumbs, form = store.ratings()  # the chat's own thumb saved one rating, the form another
    assert (thumbs["answer_index"], thumbs["thumbs"], thumbs["accuracy"]) == (0, "up", None)
    assert (form["answer_index"], form["thumbs"], form["accuracy"], form["comment"]) == (0, "up", 4, "清楚")
    if os.environ.get("MEDQA_SCREENSHOT"):
        shutil.copyfile(tmp_path / "demo.png", os.environ["MEDQA_SCREENSHOT"])


def phone_layout(browser, url: str, shot: Path) -> None:
    """On a 390 px phone the page is one column and the chat comes right under the film, before the region, the
    examples and the reference (a screenshot goes to $MEDQA_SCREENSHOT_PHONE as well when set)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(url)
    expect(page.locator("#chat")).to_be_visible(timeout=60_000)
    expect(page.locator("#rating input[type=number]")).to_have_value("1")  # numbered from 1, never 0
    film, chat, rating = (page.locator(k).bounding_box() for k in ("#xray-image", "#chat", "#rating"))
    assert film["x"] == chat["x"] and film["width"] == chat["width"]  # one column
    assert 0 <= chat["y"] - (film["y"] + film["height"]) < 60 and rating["y"] > chat["y"]  # the chat right under it
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    if os.environ.get("MEDQA_SCREENSHOT_PHONE"):
        shutil.copyfile(shot, os.environ["MEDQA_SCREENSHOT_PHONE"])


def rate_in_the_chat(page) -> None:
    """The thumbs under an answer save a rating at once; the form saves one and then starts empty again."""
    from playwright.sync_api import expect

    likes = page.locator('#chat button[aria-label="Like"]')
    # The image notice and the answer each have their own thumbs: wait for the answer's (a busy machine renders
    # it after the answer text), then click the last one.
    expect(likes).to_have_count(2, timeout=30_000)
    answer = 1
    likes.nth(answer).click()  # no clinician id yet: asked for right under it, and the thumb is not shown saved
    expect(page.locator("#chat")).to_contain_text("请先在上方填写医生化名 ID", timeout=30_000)
    expect(page.locator('#chat button[aria-label="Liked"]')).to_have_count(0)
    page.get_by_placeholder("例如 rad-07").fill("rad-01")
    page.get_by_role("button", name="确定", exact=True).click()
    likes.nth(answer).click()
    expect(page.locator("#rating")).to_contain_text("评价已保存", timeout=30_000)
    expect(page.locator('#chat button[aria-label="Liked"]')).to_have_count(1)
    expect(page.locator("#rating input[type=radio][value=up]")).to_be_checked()  # the form shows which answer
    page.locator("#rating").get_by_text("4", exact=True).first.click()
    page.locator("#rating textarea").fill("清楚")
    page.get_by_role("button", name="提交评价", exact=True).click()
    expect(page.locator("#rating textarea")).to_have_value("", timeout=30_000)  # the form reset after saving
    expect(page.locator("#rating input[type=radio]:checked")).to_have_count(0)


def coordinator_in_english(page) -> None:
    """After the switch to English the coordinator's tab, table headers and counts are English too."""
    from playwright.sync_api import expect

    page.get_by_label("English").check()
    page.get_by_role("tab", name="Coordinator").click()
    expect(page.get_by_text("Mean accuracy", exact=True)).to_be_visible(timeout=30_000)  # before any refresh
    page.get_by_label("Password").fill("s3cret")
    page.get_by_role("button", name="Log in / refresh").click()
    expect(page.get_by_text("2 ratings from 1 clinician(s) about 1 model(s).")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Mean accuracy", exact=True)).to_be_visible()
    expect(page.get_by_text("平均准确性")).to_have_count(0)
