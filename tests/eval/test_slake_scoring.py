"""Each published SLAKE scoring convention on cases checked by hand, including their quirks, and the
image-level bootstrap of the SLAKE figures."""

import numpy as np
import pytest

from medqa.eval.slake_scoring import (
    exact_match,
    llava_med_closed,
    llava_med_normalize,
    llava_med_open_recall,
    llava_med_prf,
)
from medqa.eval.slake_summary import COMPONENTS, question_components, summarise


@pytest.mark.parametrize("text, expected", [
    ("The Left Lung, heart.", "left lung heart"),  # ", " deleted, final period deleted, article dropped
    ("x-ray", "x ray"),  # a mark not next to a space becomes a space
    ("Two", "2"),
    ("isnt it", "isn't it"),
    ("3.5 cm", "3.5 cm"),  # a period before a digit stays
])
def test_llava_med_normalize(text, expected):
    assert llava_med_normalize(text) == expected


@pytest.mark.parametrize("prediction, reference, hit", [
    ("Yes, it does.", "Yes", 1.0),
    ("No", "Yes", 0.0),
    ("Yes", "No", 0.0),  # "no" is not in "yes"
    ("There is no nodule", "No", 1.0),
    ("I don't know", "No", 1.0),  # substring rule: "know" contains "no" twice over
    ("Left", "Left", 0.0),  # right, but neither "yes" nor "no" appears: a miss under this convention
    ("是", "是", 0.0),  # an English rule: Chinese never scores (medqa counts it on English questions only)
])
def test_llava_med_closed_yes_no_accuracy(prediction, reference, hit):
    assert llava_med_closed(prediction, reference) == hit


@pytest.mark.parametrize("prediction, reference, recall", [
    ("The left lung.", "Left Lung", 1.0),
    ("lung", "left lung", 0.5),
    ("lung lung lung", "left lung", 0.75),  # theirs: tp counts the prediction's 3 "lung"s, fn the missing "left"
    ("two", "2", 1.0),
    ("heart", "Lung, Spinal Cord", 0.0),
    ("", "Lung", 0.0),
    ("肺", "左肺", 0.5),  # CJK characters: whitespace alone would make "左肺" one word and score 0
    ("右肺, 左侧", "左肺", 1.0),  # both characters appear
    ("MRI T2", "T2", 1.0),  # Latin words stay whole
])
def test_llava_med_open_recall(prediction, reference, recall):
    assert llava_med_open_recall(prediction, reference) == pytest.approx(recall)


def test_llava_med_token_f1_by_hand():
    f1, precision, recall = llava_med_prf("left upper lung", "left lung")  # tp 2, fp 1, fn 0
    assert (precision, recall) == pytest.approx((2 / 3, 1.0)) and f1 == pytest.approx(0.8)


@pytest.mark.parametrize("prediction, reference, hit", [
    ("是的", "是", 1.0),  # yes words of either language are one answer
    ("不包含", "没有", 1.0),
    ("Lung, Heart", "lung heart", 1.0),
    ("X-Ray", "xray", 1.0),
    ("肝脏（liver）", "肝脏", 1.0),  # a parenthesised aside is dropped
    ("肝", "肝脏", 0.0),
    ("Yes, it does.", "Yes", 0.0),  # exact: the extra words count against it
])
def test_exact_match(prediction, reference, hit):
    assert exact_match(prediction, reference) == hit


def test_question_components_route_each_convention():
    c = dict(zip(COMPONENTS, question_components("是的", "是", "CLOSED", "zh"), strict=True))
    assert (c["closed"], c["em_closed"], c["yn_n"], c["open"]) == (1, 1, 0, 0)  # no yes/no rule for Chinese
    c = dict(zip(COMPONENTS, question_components("Yes", "Yes", "CLOSED", "en"), strict=True))
    assert (c["yn_n"], c["yn_hit"], c["em_closed"]) == (1, 1, 1)
    c = dict(zip(COMPONENTS, question_components("肺", "左肺", "OPEN", "zh"), strict=True))
    assert (c["open"], c["em_open"], c["recall_open"], c["closed"]) == (1, 0, 0.5, 0)


def test_figures_and_the_image_level_bootstrap():
    rows = [question_components(p, r, t, "en") for p, r, t in (
        ("Yes", "Yes", "CLOSED"), ("No", "Yes", "CLOSED"), ("lung", "left lung", "OPEN"), ("heart", "heart", "OPEN"))]
    values = np.stack(rows)
    s = summarise(values, ["img1"] * 4, ["Organ", "Organ", "Position", "Organ"], samples=200, seed=0)
    figures = s["all"]
    assert figures["closed_em"]["value"] == 0.5 and figures["closed_yesno"]["value"] == 0.5
    assert figures["open_recall"]["value"] == 0.75 and figures["open_em"]["value"] == 0.5
    assert (figures["closed_em"]["n"], figures["open_em"]["n"]) == (2, 2) and s["images"] == 1
    # One image: every replicate draws it, so the interval is the point. Resampling questions would spread it.
    assert figures["closed_em"]["ci95"] == [0.5, 0.5]
    organ = s["by_content_type"]["Organ"]
    assert organ["open_recall"]["value"] == 1.0 and organ["closed_em"]["n"] == 2
    assert s["by_content_type"]["Position"]["closed_em"]["value"] is None  # no closed question there
    # Two images (img1: the right closed answer and recall 0.5; img2: the wrong one and recall 1): a draw is
    # img1 twice, both once, or img2 twice, so the interval runs between those, the same for the same seed.
    clusters = ["img1", "img2", "img1", "img2"]
    two = summarise(values, clusters, ["Organ"] * 4, samples=400, seed=0)
    assert two["all"]["closed_em"]["ci95"] == [0.0, 1.0]
    assert two["all"]["open_recall"]["ci95"] == pytest.approx([0.5, 1.0])
    assert summarise(values, clusters, ["Organ"] * 4, 400, 0) == two
