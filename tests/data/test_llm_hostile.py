"""The LLM build against a hostile or hung endpoint: a key echoed back never lands anywhere, Ctrl-C never waits."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from medqa.data.qa import GenerationStopped
from medqa.data.records import SkipLog
from tests.data.test_llm import KEY_ENV, FakeChat, make_gen, make_report
from tests.helpers.paths import REPO


@pytest.fixture
def server():
    srv = FakeChat()
    yield srv
    srv.close()


def test_a_key_echoed_by_the_model_or_escaped_in_an_error_never_lands_anywhere(server, monkeypatch, tmp_path):
    key = "sk-live-echo-0123456789abcdef"
    monkeypatch.setenv(KEY_ENV, key)
    server.rule = lambda user: "echokey"
    cache = tmp_path / "llm.sqlite"
    pairs = make_gen(server, cache).generate_all([make_report("1")], SkipLog())["1"]
    answers = [p.answer for p in pairs]
    assert answers[0] == "正常 ***" and answers[1] == "未见气胸***"
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert key.encode() not in stored and b"0123456789abcdef" not in stored and b"\\u0073\\u006b" not in stored
    server.rule = lambda user: "401esc"
    with pytest.raises(GenerationStopped) as stop:
        make_gen(server).generate_all([make_report("2")], SkipLog())
    said = str(stop.value)
    assert "invalid key" in said and "\\u0073" not in said and "***" in said


def test_ctrl_c_does_not_wait_for_requests_on_the_wire(server, tmp_path):
    server.rule = lambda user: "hang"
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[2])\n"
        "from medqa.data.llm import LLMGenerator, LLMSettings\n"
        "from medqa.data.records import SkipLog\n"
        "from tests.data.test_llm import make_report\n"
        "gen = LLMGenerator(LLMSettings(base_url=sys.argv[1], model='m', concurrency=3, timeout_s=600))\n"
        "print('started', flush=True)\n"
        "gen.generate_all([make_report(str(i)) for i in range(6)], SkipLog())\n")
    proc = subprocess.Popen([sys.executable, "-c", script, server.url, str(REPO)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "started"
        while len(server.bodies) < 3:  # three requests on the wire, each held by the server until released
            assert proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        # It exits while the server still holds every request (the requests' own timeout is 600 s).
        assert proc.wait(timeout=60) != 0 and not server.release.is_set()
        assert "KeyboardInterrupt" in proc.stderr.read()
    finally:
        server.release.set()
        proc.kill()
        proc.wait()
