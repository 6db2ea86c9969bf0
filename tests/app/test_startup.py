"""The demo's start-up says each step and its time in the log, before the page is served."""

import logging
import re

from tests.app.test_app import demo_module

DONE = re.compile(r"start-up: (.+) done in \d+\.\d s \(\d+\.\d s since start\)")


def test_start_up_logs_each_step_with_its_time(tiny_model, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="medqa.app")
    demo, _ = demo_module().create_app(["--model", str(tiny_model), "--db", str(tmp_path / "r.db")])
    messages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("start-up:")]
    done = [m.group(1) for m in map(DONE.fullmatch, messages) if m]
    assert done == ["opening the ratings database", "loading the model (local backend)", "warm-up generation",
                    "building the page"]
    # each step is announced before it runs, so a slow one shows what the wait is for
    assert [m.removesuffix(" ...").removeprefix("start-up: ") for m in messages if m.endswith(" ...")] == done
    assert demo is not None
