"""--image_ablation blank measures image use: on the blob task a tiny model that learned to read the film loses
its accuracy when each film is replaced by a uniform grey image; before training there is nothing to lose.

The trained model is the session's `blob_lora` run (tests/conftest.py), the one the training test
checks, so this test costs evaluation only: 64 held-out films, answered twice (real, blank), by the
untrained and the trained model.

Measured (fold 0, 64 films, 1,000 replicates): untrained 0.000 with the films and 0.000 blank (its
answers name no label either way); trained 1.000 with the films, 0.500 [0.375, 0.610] blank, a paired
drop of +0.500 [+0.390, +0.625], p = 0.001.
"""

import pytest

from evaluate import main

# Whichever of this test and the training test runs first trains the shared LoRA run (about 4 minutes of
# CPU on 2 cores); this one also evaluates, so it gets more than the default 600 s.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def presence(results: dict, name: str) -> tuple[float, float, dict]:
    """Accuracy with the real films, with blank ones, and the paired drop on the presence questions."""
    blank = results[f"{name} [blank image]"]
    return (results[name]["by_type"]["presence"]["accuracy"], blank["by_type"]["presence"]["accuracy"],
            blank["drop"]["by_type"]["presence"])


def evaluate_blobs(data, model: str, out) -> dict:
    return main(["--data", str(data), "--folds", "0", "--model", model, "--image_ablation", "blank", "--out",
                 str(out), "--batch_size", "32", "--max_new_tokens", "4", "--bootstrap_samples", "500"])


def test_blank_images_cost_only_a_model_that_reads_the_film(tiny_model, blob_data, blob_lora, tmp_path):
    real, blank, drop = presence(evaluate_blobs(blob_data, f"untrained={tiny_model}", tmp_path / "before"),
                                 "untrained")
    # Untrained, the answers do not depend on the film: the same accuracy either way, no drop.
    assert abs(real - blank) <= 0.1, (real, blank)
    assert drop["ci95"]["accuracy"][0] <= 0 <= drop["ci95"]["accuracy"][1]

    adapter, _summary = blob_lora("qwen2_5_vl")
    real, blank, drop = presence(evaluate_blobs(blob_data, f"trained={adapter}", tmp_path / "after"), "trained")
    # Trained, it reads the blob: near-perfect with the film, a coin toss (one answer for every grey image)
    # without it; the paired drop is far outside the noise.
    assert real >= 0.85 and blank <= 0.65, (real, blank)
    assert drop["diff"]["accuracy"] >= 0.3 and drop["ci95"]["accuracy"][0] > 0 and drop["p"]["accuracy"] < 0.05
