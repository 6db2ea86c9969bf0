"""Starting the server with a proxy configured: Gradio's check of its own URL must not go through it."""

import gradio as gr
import httpx
import pytest

from medqa.app.launching import explain_launch_error, local_without_proxy, prepare_launch
from tests.helpers.net import free_port


@pytest.fixture
def refusing_proxy(monkeypatch):
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there: every proxied request fails


def start(demo) -> None:
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)


def test_a_proxy_in_the_environment_no_longer_stops_the_start(refusing_proxy):
    with gr.Blocks() as demo:
        gr.Markdown("x")
    with pytest.raises(httpx.ConnectError):
        start(demo)  # Gradio asks its own server through the proxy
    demo.close()
    prepare_launch()
    assert local_without_proxy() == []  # prepare_launch added the loopback names already
    with gr.Blocks() as again:
        gr.Markdown("x")
    try:
        start(again)
    finally:
        again.close()


def test_a_start_that_cannot_reach_itself_says_why(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    cause = explain_launch_error(ValueError("When localhost is not accessible, a shareable link must be created."))
    assert "HTTPS_PROXY=http://proxy.example:3128" in cause and "gave up after 3 s" in cause
    assert explain_launch_error(ValueError("another problem")) is None
    env = {"NO_PROXY": "intranet"}
    assert local_without_proxy(env) == ["localhost", "127.0.0.1", "::1", "0.0.0.0"]
    assert env["NO_PROXY"] == "intranet,localhost,127.0.0.1,::1,0.0.0.0" and env["no_proxy"].startswith("localhost")
