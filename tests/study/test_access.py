"""Who may guess what, how fast: one login gate for access codes and both coordinator passwords, keyed on the real
peer; forged forwarded headers; sign-in work that does not depend on how much of a code is right; no free chat."""

import threading
import time
from types import SimpleNamespace

import httpx
import pytest
from gradio_client import Client

from medqa.app.peers import parse_proxies, peer_address
from medqa.app.throttle import LoginGate, LoginThrottle, Refusal
from medqa.study import codes
from medqa.study.app import build_study_demo
from medqa.study.handlers import OUTPUTS, StudyHandlers
from medqa.study.labels import tr
from medqa.study.store import StudyStore
from tests.helpers.net import free_port
from tests.study.test_store import setup_pairwise

STATUS = OUTPUTS.index("status")


@pytest.fixture
def study(tmp_path):
    store = StudyStore(tmp_path / "s.db", "s1")
    setup_pairwise(store, 2)
    code = codes.new_code()
    store.set_code("wang", code)
    yield SimpleNamespace(store=store, code=code, root=tmp_path)
    store.close()


def frozen_gate() -> LoginGate:
    """A gate whose clock never moves: a wait, once it starts, lasts the whole test however slow the machine."""
    return LoginGate(throttle=LoginThrottle(clock=lambda: 1000.0))


def launch(study, gate: LoginGate) -> tuple:
    meta = SimpleNamespace(title="t", language="zh", design="pairwise", output=study.root)
    demo = build_study_demo(meta, study.store, "s3cret", gate)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    return demo, url


def call(url: str, api: str, *data, forwarded: str | None = None) -> list:
    """One un-queued event over HTTP, as a browser (or a script) sends it; the outputs."""
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    reply = httpx.post(f"{url}gradio_api/run/{api}", json={"data": list(data)}, headers=headers, timeout=60)
    reply.raise_for_status()
    return reply.json()["data"]


def sign_in(url: str, code: str, forwarded: str | None = None) -> str:
    return call(url, "study_sign_in", code, forwarded=forwarded)[STATUS]


def test_forged_forwarded_headers_are_one_client_and_every_secret_shares_the_count(study):
    demo, url = launch(study, frozen_gate())
    try:
        said = [sign_in(url, codes.new_code(), forwarded=f"10.9.{n}.1") for n in range(3)]
        assert said == [tr("bad_code", "zh")] * 3
        # A fourth guess with yet another made-up address is the same client, and waits, unseen:
        # even the right code is not compared now.
        assert sign_in(url, study.code, forwarded="10.9.99.1").startswith("错误次数过多")
    finally:
        demo.close()


def test_trusted_proxies_are_believed_and_only_they(study):
    gate = LoginGate("127.0.0.1/32")
    demo, url = launch(study, gate)
    try:
        said = [sign_in(url, codes.new_code(), forwarded=f"198.51.100.7, 10.9.{n}.1") for n in range(4)]
        assert said == [tr("bad_code", "zh")] * 4  # four clients behind the proxy, one guess each
        assert sorted(gate.throttle.clients) == [f"10.9.{n}.1" for n in range(4)]
        password = Client(url, verbose=False).predict("guess", api_name="/study_progress")[0]  # the queued route
        assert password == tr("wrong_password", "zh") and "127.0.0.1" in gate.throttle.clients
    finally:
        demo.close()


def test_the_chain_is_read_from_the_right_and_stops_at_garbage():
    proxies = parse_proxies("10.0.0.0/8, 192.0.2.1")
    request = SimpleNamespace(client=SimpleNamespace(host="10.0.0.5"),
                              headers={"x-forwarded-for": "1.1.1.1, 203.0.113.9, 192.0.2.1"})
    assert peer_address(request, proxies) == "203.0.113.9"  # the left-most part is whatever the client wrote
    assert peer_address(request, ()) == "10.0.0.5"
    request.headers = {"x-forwarded-for": "nonsense, 10.1.1.1"}
    assert peer_address(request, proxies) == "10.0.0.5"
    with pytest.raises(ValueError, match="'10.0.0.300' is not an IP address"):
        parse_proxies("10.0.0.300")


def test_a_study_coordinator_guessing_waits_longer_and_longer(study):
    now = [100.0]
    gate = LoginGate(throttle=LoginThrottle(free=3, base_s=1.0, clock=lambda: now[0]))
    me = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1"))
    attempts = [gate.attempt(me, lambda: False, "study coordinator password") for _ in range(5)]
    assert [a.compared for a in attempts] == [True, True, True, False, False]
    assert [a.wait_s for a in attempts] == [0.0, 0.0, 1.0, 1.0, 1.0]
    now[0] += 1.0
    assert gate.attempt(me, lambda: False, "study coordinator password").wait_s == 2.0  # the wait doubles
    now[0] += 1.0
    assert gate.attempt(me, lambda: True, "access code") == Refusal(False, 1.0)  # a wait for all secrets...
    now[0] += 1.0
    assert gate.attempt(me, lambda: True, "access code") is None  # ...and a right code forgives only its own kind
    assert gate.throttle.clients["10.0.0.1"].counts == {"study coordinator password": 4}


def test_concurrent_guesses_from_one_client_get_no_more_than_the_free_comparisons():
    gate, compared = frozen_gate(), []
    me = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1"))

    def check():
        compared.append(1)
        time.sleep(0.01)  # overlapping tries, as from 16 threads
        return False

    threads = [threading.Thread(target=gate.attempt, args=(me, check, "access code")) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(compared) == 3


def test_sign_in_does_the_same_work_whatever_part_of_the_code_is_right(study, monkeypatch):
    checked = []
    real = codes.verify_code
    monkeypatch.setattr(codes, "verify_code", lambda code, stored: checked.append(code) or real(code, stored))
    first_group = study.code.split("-")[0]
    near = first_group + "-" + codes.new_code().split("-", 1)[1]  # a rater's first group, the rest wrong
    results = []
    for code in (near, codes.new_code(), study.code):
        checked.clear()
        results.append(study.store.sign_in(code))
        assert len(checked) == 1, code  # one scrypt comparison each: a dummy when no row matched
    assert results[0] is None and results[1] is None and results[2][0] == "wang"


def test_a_study_file_hash_and_an_older_lookup_key_still_sign_in(study):
    other = codes.new_code()
    study.store.set_code_hash("li", None, codes.hash_code(other))
    assert study.store.sign_in(other)[0] == "li"
    study.store.db.execute("UPDATE raters SET code_lookup = ? WHERE rater_id = 'wang'", [study.code[:4]])
    assert study.store.sign_in(study.code)[0] == "wang"


def test_handlers_refuse_unseen_during_the_wait(study):
    view = StudyHandlers(study.store, "pairwise", "en", frozen_gate())
    me = SimpleNamespace(client=SimpleNamespace(host="10.0.0.1"), headers={})
    said = [view.sign_in(codes.new_code(), me)[STATUS] for _ in range(4)]
    assert said[:3] == [tr("bad_code", "en")] * 3 and said[3] == tr("wait", "en", seconds=1)


def test_a_signed_in_coordinator_is_not_locked_out_by_guesses_from_the_same_address(study):
    demo, url = launch(study, frozen_gate())
    try:
        owner = Client(url, verbose=False)  # the coordinator's page: right once
        assert owner.predict("s3cret", api_name="/study_progress")[0] == ""
        guesser = Client(url, verbose=False)  # someone else behind the same address
        said = [guesser.predict(f"guess-{n}", api_name="/study_progress")[0] for n in range(4)]
        assert said[:3] == [tr("wrong_password", "zh")] * 3 and said[3].startswith("错误次数过多")
        assert owner.predict("s3cret", api_name="/study_progress")[0] == ""  # the owner's page goes on
        newcomer = Client(url, verbose=False)  # a page that has not signed in waits, even with the right one
        assert newcomer.predict("s3cret", api_name="/study_progress")[0].startswith("错误次数过多")
    finally:
        demo.close()
