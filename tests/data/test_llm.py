"""LLMGenerator against a real, scriptable chat-completions server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from medqa.data import llm_prompt
from medqa.data.llm import LLMGenerator, LLMSettings
from medqa.data.llm_cache import ReplyCache
from medqa.data.llm_prompt import build_messages, parse_reply
from medqa.data.qa import GenerationStopped, QAPair
from medqa.data.records import Report, SkipLog, XrayImage
from medqa.vocab.mesh import parse_mesh

KEY_ENV = "MEDQA_TEST_LLM_KEY"


def _tag(user_content: str) -> str:
    return hashlib.sha1(user_content.encode()).hexdigest()[:8]


def valid_content(user_content: str) -> str:
    """A well-formed reply whose first answer names the report it was made for."""
    qa = [
        {"question": "这张胸片正常吗？", "answer": f"正常。编号{_tag(user_content)}", "type": "normality"},
        {"question": "有无气胸？", "answer": "未见气胸。", "type": "absence"},
        {"question": "总体印象是什么？", "answer": "心肺未见异常。", "type": "other"},
    ]
    return json.dumps({"qa": qa}, ensure_ascii=False)


class FakeChat:
    """A chat-completions server whose answer to each request is scripted by the test.

    Actions: valid, malformed, badbody, 429 (Retry-After: 0), 429slow (Retry-After: 2), 500, 503,
    timeout (sleeps past the client's timeout), 400, 401, 400_format (rejects response_format),
    400echo / 401echo / 403echo (the error body quotes the Authorization header).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.script: deque[str] = deque()
        self.rule = None  # callable(user_content) -> action or None; wins over the script
        self.delay = 0.0
        self.usage = {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140}
        self.bodies: list[dict] = []
        self.headers: list[dict] = []
        self.log: list[tuple[str, str]] = []  # (user message, action) per request
        self.in_flight = 0
        self.max_in_flight = 0
        self.release = threading.Event()  # what "hang" requests wait for
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _choose(self, body: dict, headers: dict) -> tuple[str, str]:
        user = body["messages"][-1]["content"]
        with self.lock:
            self.bodies.append(body)
            self.headers.append(headers)
            action = self.rule(user) if self.rule else None
            if action is None:
                action = self.script.popleft() if self.script else "valid"
            self.log.append((user, action))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return user, action

    def _reply(self, user: str, action: str) -> tuple[int, dict, bytes]:
        """Status, extra headers and body for one action."""
        errors = {"500": 500, "503": 503, "400": 400, "401": 401}
        if action in errors:
            return errors[action], {}, json.dumps({"error": {"message": f"scripted {action}"}}).encode()
        if action.endswith("echo"):  # 400echo, 401echo, 403echo: the body quotes the credentials it was sent
            said = f"Incorrect API key provided: {self.headers[-1].get('authorization')}"
            return int(action[:3]), {}, json.dumps({"error": {"message": said}}).encode()
        if action in ("429", "429slow"):
            wait = "0" if action == "429" else "2"
            return 429, {"Retry-After": wait}, b'{"error": {"message": "rate limited"}}'
        if action == "400_format":
            return 400, {}, b'{"error": {"message": "response_format is not supported"}}'
        if action == "401esc":  # the key quoted with every character \u-escaped, as some JSON encoders do
            key = self.headers[-1].get("authorization", "").removeprefix("Bearer ")
            escaped = "".join(f"\\u{ord(c):04x}" for c in key)
            return 401, {}, ('{"error": {"message": "invalid key \\"' + escaped + '\\""}}').encode()
        if action == "echokey":  # valid pairs whose answer repeats the key, raw and escaped
            key = self.headers[-1].get("authorization", "").removeprefix("Bearer ")
            qa = [{"question": "这张胸片正常吗？", "answer": f"正常 {key}", "type": "normality"},
                  {"question": "有无气胸？", "answer": "未见气胸" + "".join(f"\\u{ord(c):04x}" for c in key),
                   "type": "absence"}]
            content = json.dumps({"qa": qa}, ensure_ascii=False).replace("\\\\u", "\\u")
            body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
                    "usage": self.usage}
            return 200, {}, json.dumps(body, ensure_ascii=False).encode()
        if action == "badbody":
            return 200, {}, b"<html>gateway hiccup</html>"
        content = "好的，下面是问答：{qa: [oops" if action == "malformed" else valid_content(user)
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
            "usage": self.usage,
        }
        return 200, {}, json.dumps(body, ensure_ascii=False).encode()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                user, action = server._choose(body, {k.lower(): v for k, v in self.headers.items()})
                time.sleep(1.5 if action == "timeout" else server.delay)
                if action == "hang":  # an endpoint that stopped answering
                    server.release.wait(120)
                # Leave the in-flight count before answering: once the client has the answer it may
                # send its next request, which must not be counted beside this one.
                with server.lock:
                    server.in_flight -= 1
                try:
                    status, extra, payload = server._reply(user, action)
                    self.send_response(status)
                    for name, value in {"Content-Type": "application/json", **extra}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout): nobody is listening any more

            def log_message(self, *args) -> None:
                pass

        return Handler


@pytest.fixture
def server():
    srv = FakeChat()
    yield srv
    srv.close()


@pytest.fixture(autouse=True)
def _no_key(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)


def make_report(uid: str, findings: str = "", impression: str = "No acute disease.") -> Report:
    return Report(
        uid=uid,
        findings=findings or f"Report {uid}: the lungs are clear. No pneumothorax.",
        impression=impression,
        indication="XXXX-year-old male, chest pain",
        mesh=parse_mesh("normal"),
        images=[XrayImage(f"{uid}_IM-0001-1001.dcm.png", "Frontal")],
        source=f"test.csv:{uid}",
    )


def make_gen(srv: FakeChat, cache=None, sleep=time.sleep, **overrides) -> LLMGenerator:
    kw = dict(
        base_url=srv.url,
        model="test-model",
        api_key_env=KEY_ENV,
        concurrency=1,
        max_retries=6,
        timeout_s=2.0,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
        cache_path=cache,
    )
    kw.update(overrides)
    return LLMGenerator(LLMSettings(**kw), sleep=sleep)


def expected_first_answer(report: Report) -> str:
    return f"正常。编号{_tag(build_messages(report)[-1]['content'])}"


# --- retries -------------------------------------------------------------------------------------------


def test_retry_sequence_ends_in_valid_pairs(server):
    server.script.extend(["429", "500", "503", "timeout", "malformed", "badbody", "valid"])
    delays: list[float] = []

    def sleep(s: float) -> None:
        delays.append(s)
        time.sleep(s)

    gen = make_gen(server, sleep=sleep, timeout_s=0.5)
    skips = SkipLog()
    report = make_report("1")
    out = gen.generate_all([report], skips)
    assert len(server.bodies) == 7
    assert [a for _, a in server.log][-1] == "valid"
    assert out["1"][0] == QAPair("这张胸片正常吗？", expected_first_answer(report), "normality")
    assert [p.qtype for p in out["1"]] == ["normality", "absence", "llm"]
    assert skips.counts == Counter()
    assert delays[0] == 0.0  # Retry-After: 0 honoured
    assert all(0.005 <= d <= 0.05 for d in delays[1:]) and len(delays) == 6
    info = gen.card_info()
    assert (info["calls"], info["retries"], info["failures"]) == (7, 6, 0)


def test_retry_after_header_is_honoured(server):
    server.script.extend(["429slow", "valid"])
    delays: list[float] = []
    gen = make_gen(server, sleep=delays.append)  # records without really waiting
    assert "1" in gen.generate_all([make_report("1")], SkipLog())
    assert delays == [2.0]


def test_gives_up_after_max_retries(server):
    server.rule = lambda user: "500" if "Report 1:" in user else None
    skips = SkipLog()
    out = make_gen(server, max_retries=2).generate_all([make_report("1"), make_report("2")], skips)
    assert set(out) == {"2"} and len(server.bodies) == 4
    assert skips.counts == Counter({"llm failed": 1})
    assert "gave up after 3 attempts" in skips.messages[0] and "HTTP 500" in skips.messages[0]
    assert skips.messages[0].startswith("test.csv:1: llm failed")


def test_non_retryable_error_fails_fast(server):
    server.rule = lambda user: "400" if "Report 1:" in user else None
    skips = SkipLog()
    gen = make_gen(server)
    assert set(gen.generate_all([make_report("1"), make_report("2")], skips)) == {"2"}
    assert len(server.bodies) == 2
    assert "HTTP 400 (not retried)" in skips.messages[0]
    assert gen.card_info()["failures"] == 1


@pytest.mark.parametrize("status", ["401", "403"])
def test_a_refused_key_stops_the_whole_run_at_once(server, monkeypatch, status):
    monkeypatch.setenv(KEY_ENV, "sk-live-0123456789abcdef")
    server.rule = lambda user: status + "echo"  # the body echoes the Authorization header, as OpenAI's does
    reports = [make_report(str(i)) for i in range(40)]
    with pytest.raises(GenerationStopped) as stop:
        make_gen(server, concurrency=4).generate_all(reports, SkipLog())
    assert len(server.bodies) <= 4  # the calls already on the wire, then nothing: no retry, no next report
    assert f"refused the request (HTTP {status}" in str(stop.value) and f"${KEY_ENV}" in str(stop.value)
    assert "Bearer ***" in str(stop.value) and "0123456789abcdef" not in str(stop.value)


def test_a_run_whose_every_call_fails_stops(server):
    server.rule = lambda user: "500"
    with pytest.raises(GenerationStopped, match=r"every one of the 3 LLM call\(s\) failed; the first: gave up after 2"):
        make_gen(server, max_retries=1).generate_all([make_report(str(i)) for i in range(3)], SkipLog())


def test_secrets_are_masked_in_skips_and_the_card(server, monkeypatch, caplog):
    monkeypatch.setenv(KEY_ENV, "my-secret-key-42")
    server.rule = lambda user: "400echo" if "Report 1:" in user else None
    skips = SkipLog()
    url = server.url.replace("http://", "http://alice:pa55word@") + "?api-key=sk-inurl-999&api-version=1"
    gen = make_gen(server, base_url=url)
    assert set(gen.generate_all([make_report("1"), make_report("2")], skips)) == {"2"}
    assert "Incorrect API key provided: Basic ***" in skips.messages[0]  # httpx sends the URL's user as Basic auth
    info = gen.card_info()
    assert info["base_url"] == server.url.replace("http://", "http://***@") + "/?api-key=***&api-version=1" or \
        info["base_url"] == server.url.replace("http://", "http://***@") + "?api-key=***&api-version=1"
    shown = " ".join([*skips.messages, caplog.text, str(info)])
    assert not any(secret in shown for secret in ("my-secret-key-42", "pa55word", "sk-inurl-999"))


def test_rejected_response_format_is_dropped_once(server):
    server.script.extend(["400_format", "valid", "valid"])
    out = make_gen(server).generate_all([make_report("1"), make_report("2")], SkipLog())
    assert set(out) == {"1", "2"}
    assert len(server.bodies) == 3
    assert server.bodies[0]["response_format"] == {"type": "json_object"}
    assert all("response_format" not in b for b in server.bodies[1:])


def test_request_body_and_no_auth_header_without_key(server):
    report = make_report("1")
    make_gen(server, temperature=0.2).generate_all([report], SkipLog())
    body, headers = server.bodies[0], server.headers[0]
    assert body["model"] == "test-model" and body["temperature"] == 0.2
    assert body["messages"] == build_messages(report)
    assert "authorization" not in headers


def test_auth_header_sent_when_key_set(server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-123")
    make_gen(server).generate_all([make_report("1")], SkipLog())
    assert server.headers[0]["authorization"] == "Bearer sk-test-123"


# --- skipping, cache, resume ---------------------------------------------------------------------------


def test_empty_report_skipped_without_call(server):
    skips = SkipLog()
    empty = Report(uid="9", source="test.csv:9", findings="  ", impression="XXXX")
    out = make_gen(server).generate_all([empty, make_report("1")], skips)
    assert set(out) == {"1"} and len(server.bodies) == 1
    assert skips.counts == Counter({"empty report": 1})


def test_identical_reports_share_one_call(server):
    a, b = make_report("1", findings="Clear lungs."), make_report("2", findings="Clear   lungs.")
    out = make_gen(server).generate_all([a, b], SkipLog())
    assert len(server.bodies) == 1 and out["1"] == out["2"]


def test_identical_failing_reports_are_each_skipped(server):
    server.rule = lambda user: "400" if "Clear lungs." in user else None
    skips = SkipLog()
    reports = [make_report("1", findings="Clear lungs."), make_report("2", findings="Clear lungs."), make_report("3")]
    assert set(make_gen(server).generate_all(reports, skips)) == {"3"}
    assert len(server.bodies) == 2 and skips.counts == Counter({"llm failed": 2})
    assert [m.split(":")[1] for m in skips.messages] == ["1", "2"]


def test_cache_second_run_makes_no_requests(server, tmp_path):
    cache = tmp_path / "llm.sqlite"
    reports = [make_report(str(i)) for i in range(3)]
    first = make_gen(server, cache).generate_all(reports, SkipLog())
    assert len(server.bodies) == 3
    gen = make_gen(server, cache)
    second = gen.generate_all(reports, SkipLog())
    assert len(server.bodies) == 3  # nothing new
    assert second == first
    info = gen.card_info()
    assert (info["calls"], info["cache_hits"], info["prompt_tokens"]) == (0, 3, 0)
    assert info["estimated_cost_usd"] == 0


def test_cache_misses_on_model_or_prompt_version_change(server, tmp_path, monkeypatch):
    cache = tmp_path / "llm.sqlite"
    reports = [make_report("1")]
    make_gen(server, cache).generate_all(reports, SkipLog())
    make_gen(server, cache, model="other-model").generate_all(reports, SkipLog())
    assert len(server.bodies) == 2
    monkeypatch.setattr(llm_prompt, "PROMPT_VERSION", "zh-cxr-qa-v2")
    make_gen(server, cache).generate_all(reports, SkipLog())
    assert len(server.bodies) == 3
    make_gen(server, cache).generate_all(reports, SkipLog())
    assert len(server.bodies) == 3  # v2 is cached now


def test_failed_report_is_skipped_then_resumed(server, tmp_path):
    cache = tmp_path / "llm.sqlite"
    reports = [make_report(str(i)) for i in range(4)]
    reports[2] = make_report("2", findings="POISON: the server always fails on this one.")
    server.rule = lambda user: "500" if "POISON" in user else None
    skips = SkipLog()
    out = make_gen(server, cache, max_retries=2, concurrency=2).generate_all(reports, skips)
    assert set(out) == {"0", "1", "3"}
    assert len(server.bodies) == 3 + 3
    assert skips.counts == Counter({"llm failed": 1})
    assert skips.messages[0].startswith("test.csv:2: llm failed (gave up after 3 attempts")
    store = ReplyCache(cache)
    assert len(store) == 3
    store.close()

    server.rule = None  # fixed
    rerun = make_gen(server, cache, concurrency=2).generate_all(reports, SkipLog())
    assert len(server.bodies) == 7 and "POISON" in server.log[-1][0]
    assert set(rerun) == {"0", "1", "2", "3"}
    assert {k: rerun[k] for k in out} == out


def test_crash_midway_keeps_finished_calls(server, tmp_path):
    class Crash(Exception):
        pass

    def crash(_s: float) -> None:
        raise Crash("simulated crash")

    cache = tmp_path / "llm.sqlite"
    reports = [make_report(str(i)) for i in range(6)]
    reports[3] = make_report("3", findings="POISON then crash.")
    server.rule = lambda user: "500" if "POISON" in user else None
    with pytest.raises(Crash):
        make_gen(server, cache, sleep=crash, concurrency=2).generate_all(reports, SkipLog())
    done_before = sum(1 for _, a in server.log if a == "valid")
    assert 0 < done_before < 6

    server.rule = None
    out = make_gen(server, cache, concurrency=2).generate_all(reports, SkipLog())
    assert set(out) == {str(i) for i in range(6)}
    paid = Counter(user for user, a in server.log if a == "valid")
    assert sorted(paid.values()) == [1] * 6  # every report paid for exactly once across both runs


# --- concurrency and accounting ------------------------------------------------------------------------


def test_concurrency_is_bounded(server):
    server.delay = 0.1
    reports = [make_report(str(i)) for i in range(8)]
    out = make_gen(server, concurrency=2).generate_all(reports, SkipLog())
    assert len(out) == 8 and len(server.bodies) == 8
    assert server.max_in_flight == 2


def test_token_and_cost_accounting(server, tmp_path):
    server.usage = {"prompt_tokens": 1234, "completion_tokens": 567}
    server.script.extend(["malformed", "valid", "valid"])  # a malformed reply is billed too
    cache = tmp_path / "llm.sqlite"
    reports = [make_report("1"), make_report("2")]
    gen = make_gen(server, cache, price_in_per_mtok=2.5, price_out_per_mtok=10.0)
    gen.generate_all(reports, SkipLog())
    info = gen.card_info()
    assert (info["calls"], info["prompt_tokens"], info["completion_tokens"]) == (3, 3702, 1701)
    assert info["estimated_cost_usd"] == pytest.approx(3702 * 2.5 / 1e6 + 1701 * 10.0 / 1e6)
    assert info["model"] == "test-model" and info["prompt_version"] == llm_prompt.PROMPT_VERSION
    assert info["base_url"] == server.url and info["cache_hits"] == 0

    again = make_gen(server, cache, price_in_per_mtok=2.5, price_out_per_mtok=10.0)
    again.generate_all(reports, SkipLog())
    assert again.card_info()["estimated_cost_usd"] == 0 and again.card_info()["cache_hits"] == 2


# --- prompt and reply parsing --------------------------------------------------------------------------


def test_build_messages_is_chinese_and_scrubbed():
    report = make_report("1", findings="XXXX XXXX. Mild cardiomegaly.", impression="Cardiomegaly.")
    report.mesh = parse_mesh("Cardiomegaly/mild")
    system, user = build_messages(report)
    assert system["role"] == "system" and "放射科医生" in system["content"] and '"qa"' in system["content"]
    assert user["role"] == "user"
    assert "Mild cardiomegaly." in user["content"] and "Cardiomegaly/mild" in user["content"]
    assert "XXXX" not in user["content"] and "chest pain" in user["content"]


def _reply(*items: dict) -> str:
    return json.dumps({"qa": list(items)}, ensure_ascii=False)


def test_parse_reply_accepts_fenced_json():
    pair = {"question": " 心脏大小正常吗？ ", "answer": "正常。", "type": "presence"}
    text = "```json\n" + _reply(pair) + "\n```"
    assert parse_reply(text) == [QAPair("心脏大小正常吗？", "正常。", "presence")]


def test_parse_reply_drops_bad_items_and_maps_types():
    text = _reply(
        {"question": "有无积液？", "answer": "No effusion.", "type": "absence"},  # English answer
        {"question": "XXXX的肺怎么样？", "answer": "清晰。", "type": "other"},  # de-identification leak
        {"question": "有无气胸？", "type": "absence"},  # no answer
        {"question": "总体印象？", "answer": "未见急性病变。", "type": "weird"},
    )
    assert parse_reply(text) == [QAPair("总体印象？", "未见急性病变。", "llm")]


def test_parse_reply_caps_at_max_pairs():
    items = [{"question": f"问题{i}？", "answer": "是。", "type": "other"} for i in range(8)]
    assert len(parse_reply(_reply(*items), max_pairs=4)) == 4


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "not valid JSON"),
        ("好的，没有问题", "not valid JSON"),
        ("[1, 2]", "expected an object"),
        ('{"pairs": []}', "no list under key 'qa'"),
        ('{"qa": []}', "empty 'qa' list"),
        (_reply({"question": "Is it normal?", "answer": "是。"}), "question has no Chinese characters"),
        (_reply({"question": "正常吗？", "answer": "XXXX正常。"}), "answer contains XXXX"),
        (_reply({"answer": "正常。"}), "qa[0]: missing or empty 'question'"),
    ],
)
def test_parse_reply_errors_name_the_problem(text, message):
    with pytest.raises(ValueError, match="no valid Q&A pair|not valid JSON|expected|'qa'") as err:
        parse_reply(text)
    assert message in str(err.value)
