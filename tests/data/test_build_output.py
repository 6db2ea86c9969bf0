"""The build's output folder: an interrupted or failed build never costs the previous dataset, nor leaks a key."""

import hashlib
import json
import os
import signal

import pytest

from medqa.data import build as build_module
from medqa.data import outdir
from medqa.data.cli import main
from tests.data.test_llm import FakeChat

KEY_ENV = "MEDQA_TEST_BUILD_KEY"


@pytest.fixture(scope="module")
def reports(openi_dir, tmp_path_factory):
    """The first 60 real reports (a fast build); the projections CSV sits beside them."""
    folder = tmp_path_factory.mktemp("csv")
    lines = (openi_dir / "indiana_reports.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "indiana_reports.csv").write_text("".join(lines[:61]), encoding="utf-8")
    (folder / "indiana_projections.csv").write_bytes((openi_dir / "indiana_projections.csv").read_bytes())
    return folder / "indiana_reports.csv"


@pytest.fixture
def chat():
    srv = FakeChat()
    yield srv
    srv.close()


def snapshot(folder) -> dict[str, str]:
    """Every file under `folder` with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def build(reports, out, *extra) -> int:
    return main(["build", "--reports", str(reports), "--out", str(out), *extra])


@pytest.fixture
def sigint_as():
    """Set SIGINT's handler for one test and restore it after: ``sigint_as(signal.default_int_handler)``.

    What SIGINT does in the test process depends on how pytest was started: a shell runs a background job
    (`pytest &` in a script, CI runners that do the same) with SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler. A test about SIGINT states the handler it assumes."""
    previous = signal.getsignal(signal.SIGINT)
    yield lambda handler: signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGINT, previous)


def signal_after_exports(monkeypatch, signum):
    """Raise `signum` in the build right after the exports are written (the folds are, the card is not)."""
    real = build_module.write_exports

    def interrupted(*args, **kwargs):
        written = real(*args, **kwargs)
        signal.raise_signal(signum)
        return written

    monkeypatch.setattr(build_module, "write_exports", interrupted)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_rebuild_leaves_the_previous_dataset_exactly(reports, tmp_path, monkeypatch, capsys, signum,
                                                                    sigint_as):
    sigint_as(signal.default_int_handler)  # Ctrl-C in a terminal
    out = tmp_path / "ds"
    assert build(reports, out, "--seed", "0") == 0
    before = snapshot(out)
    signal_after_exports(monkeypatch, signum)
    capsys.readouterr()
    assert build(reports, out, "--seed", "1") == 130
    err = capsys.readouterr().err
    assert snapshot(out) == before and leftovers(out) == []
    assert "interrupted: nothing was written" in err and "Traceback" not in err


def test_a_sigint_the_shell_told_it_to_ignore_does_not_stop_the_build(reports, tmp_path, monkeypatch, caplog,
                                                                      sigint_as):
    """A build started in the background (`... &` in a script) inherits SIGINT ignored: a SIGINT at any point,
    the swap included, changes nothing and the build completes. (The suite once ran that way, and this test's
    interrupted twin then failed with a TypeError: its patched write_exports returned None.)"""
    sigint_as(signal.SIG_IGN)
    out = tmp_path / "ds"
    assert build(reports, out, "--seed", "0") == 0
    signal_after_exports(monkeypatch, signal.SIGINT)
    real = os.rename

    def rename(src, dst):
        real(src, dst)
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(outdir.os, "rename", rename)
    assert build(reports, out, "--seed", "1") == 0
    assert json.loads((out / "dataset.json").read_text())["seed"] == 1 and leftovers(out) == []
    assert "interrupt received" not in caplog.text  # an ignored signal is not reported as one held back
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_an_interrupt_during_the_swap_waits_for_it(reports, tmp_path, monkeypatch, caplog, sigint_as):
    sigint_as(signal.default_int_handler)
    out = tmp_path / "ds"
    assert build(reports, out, "--seed", "0") == 0
    real = os.rename

    def rename(src, dst):
        real(src, dst)
        signal.raise_signal(signal.SIGINT)  # between moving the old folder away and the new one in

    monkeypatch.setattr(outdir.os, "rename", rename)
    assert build(reports, out, "--seed", "1") == 0
    assert json.loads((out / "dataset.json").read_text())["seed"] == 1 and leftovers(out) == []
    assert "interrupt received while the finished dataset was moved into place" in caplog.text


def test_a_refused_key_keeps_the_good_dataset_and_says_why(reports, tmp_path, chat, monkeypatch, capsys):
    out = tmp_path / "ds"
    assert build(reports, out) == 0
    before = snapshot(out)
    monkeypatch.setenv(KEY_ENV, "sk-live-abcdefghijklmnop")
    chat.rule = lambda user: "401echo"
    capsys.readouterr()
    code = build(reports, out, "--generator", "llm", "--llm-base-url", chat.url, "--llm-model", "m",
                 "--llm-api-key-env", KEY_ENV, "--llm-concurrency", "2")
    err = capsys.readouterr().err
    assert code == 1 and len(chat.bodies) <= 2
    assert "refused the request (HTTP 401" in err and f"${KEY_ENV}" in err and "was left as it was" in err
    assert "abcdefghijklmnop" not in err
    assert snapshot(out) == before  # not even an empty reply cache: no reply was paid for


def test_a_build_whose_every_call_fails_exits_non_zero(reports, tmp_path, chat, capsys):
    chat.rule = lambda user: "400"
    code = build(reports, tmp_path / "ds", "--generator", "llm", "--llm-base-url", chat.url, "--llm-model", "m")
    assert code == 1 and "every one of the" in capsys.readouterr().err
    assert not (tmp_path / "ds" / "dataset.json").exists()


def test_the_reply_cache_is_carried_over_and_secrets_stay_out_of_the_files(reports, tmp_path, chat, capsys):
    out = tmp_path / "ds"
    url = chat.url.replace("http://", "http://alice:pa55word@") + "?api-key=sk-inurl-999"
    args = ["--generator", "llm", "--llm-base-url", url, "--llm-model", "m"]
    assert build(reports, out, *args) == 0
    calls = len(chat.bodies)
    assert build(reports, out, *args, "--seed", "1") == 0
    assert len(chat.bodies) == calls and (out / "llm_cache.sqlite").is_file()  # every reply came from the cache
    written = " ".join(p.read_text(encoding="utf-8") for p in (out / "dataset.json", out / "README.md",
                                                               out / "skipped.txt"))
    assert "http://***@127.0.0.1" in written and "api-key=***" in written
    assert "pa55word" not in written and "sk-inurl-999" not in written and "alice" not in written


def test_a_folder_medqa_did_not_build_is_refused_unless_overwrite(reports, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("a clinician's notes", encoding="utf-8")
    (out / "fold_0.jsonl").write_text("{}\n", encoding="utf-8")
    assert build(reports, out) == 2
    assert "is not empty and was not built by medqa (fold_0.jsonl, notes.txt)" in capsys.readouterr().err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "a clinician's notes"
    assert build(reports, out, "--overwrite") == 0
    assert not (out / "notes.txt").exists() and (out / "dataset.json").is_file()
    (out / "notes.txt").write_text("added later", encoding="utf-8")  # a medqa dataset with a file of someone's
    assert build(reports, out) == 2
    assert "holds files a build does not write (notes.txt)" in capsys.readouterr().err


def test_fewer_folds_leave_no_stale_fold_files(reports, tmp_path):
    out = tmp_path / "ds"
    assert build(reports, out, "--folds", "7") == 0
    assert build(reports, out, "--folds", "5") == 0
    files = set(snapshot(out))
    assert {f for f in files if "fold_" in f} == {
        *(f"fold_{k}.jsonl" for k in range(5)), *(f"exports/{kind}/fold_{k}.json" for kind in ("qwen_vl", "sharegpt")
                                                  for k in range(5))}
    assert not any(name.endswith(".tmp") for name in files)


def test_empty_folds_are_announced(reports, tmp_path, capsys):
    three = tmp_path / "indiana_reports.csv"
    three.write_text("".join(reports.read_text(encoding="utf-8").splitlines(keepends=True)[:4]), encoding="utf-8")
    (tmp_path / "indiana_projections.csv").write_bytes((reports.parent / "indiana_projections.csv").read_bytes())
    assert build(three, tmp_path / "ds") == 0
    assert "warning: fold(s) 3, 4 are empty" in capsys.readouterr().out
    assert "**Warning:** fold(s) 3, 4 are empty" in (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
