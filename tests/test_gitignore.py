"""Data, weights, runs, results and rating databases stay out of git; the source folders of the same names do not."""

import subprocess

from tests.helpers.paths import REPO


def check_ignore(paths: list[str]) -> list[str]:
    """The paths git would ignore (checked against .gitignore only, whatever is tracked)."""
    done = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=REPO, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr  # 128: not a git checkout, a failure here
    return done.stdout.split()


def test_outputs_and_rating_databases_are_never_committed():
    outputs = ["data/openi-zh/fold_0.jsonl", "models/qwen/model.safetensors", "runs/lora-f0/adapter_model.safetensors",
               "results/results.json", "medqa_ratings.db", "demo/ratings.db", "ratings.db-wal", "ratings.db-shm",
               "data/openi-zh/llm_cache.sqlite", "llm_cache.sqlite-wal"]
    assert check_ignore(outputs) == outputs
    source = ["medqa/data/build.py", "tests/data/test_build.py", "medqa/core/modeling.py", "medqa/train/run.py"]
    assert check_ignore(source) == []


def test_no_tracked_file_is_one_git_should_ignore():
    # A rating database was once committed before *.db was ignored; ignoring it later does not untrack it.
    done = subprocess.run(["git", "ls-files", "--cached", "--ignored", "--exclude-standard"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
