"""prepare stops at once, naming the arm, the model or adapter and the reason, when one cannot be loaded here.

Before anything is generated or exported, and without the hub's minutes of retries: with HF_HUB_OFFLINE
set no request leaves the machine; without it the hub gets one request, and a hub that does not answer
is reported as such.
"""

import pytest
from huggingface_hub import constants

from medqa.study.__main__ import main
from tests.helpers.file_server import FileServer
from tests.helpers.paths import OPENI

STUDY = """\
study: sources
design: pairwise
raters_per_case: 1
seed: 1
arms:
  - {{id: base, model: {model}}}
  - {{id: tuned, model: {model}, adapter: {adapter}}}
cases: {{images: {images}, questions: [这张胸片正常吗？]}}
raters: [{{id: r1}}]
output: out
"""


@pytest.fixture
def hub(monkeypatch):
    """A local stand-in for the hub endpoint that records every request (and answers 404 to all)."""
    server = FileServer({})
    monkeypatch.setattr(constants, "ENDPOINT", server.url.removesuffix("/collections/"))
    yield server
    server.close()


def write_study(tmp_path, model="Qwen/Qwen2.5-VL-7B-Instruct", adapter="runs/lora-f0"):
    path = tmp_path / "study.yaml"
    path.write_text(STUDY.format(model=model, adapter=adapter, images=OPENI / "images" / "iu_xray" / "openi_png"),
                    encoding="utf-8")
    return path


def prepare(path, capsys) -> tuple[int, str]:
    code = main(["prepare", str(path), "--no_progress"])
    return code, capsys.readouterr().err


def test_offline_an_uncached_model_and_a_missing_adapter_stop_prepare_before_any_work(tmp_path, hub, capsys,
                                                                                      monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, err = prepare(write_study(tmp_path), capsys)
    assert code == 1
    assert "arm base: model 'Qwen/Qwen2.5-VL-7B-Instruct': not a local folder and not in the Hugging Face cache" in err
    assert "HF_HUB_OFFLINE is set" in err
    assert f"arm tuned: adapter '{tmp_path / 'runs' / 'lora-f0'}': folder not found" in err
    assert "Traceback" not in err and hub.requests == []  # not one request to the hub
    assert not (tmp_path / "out").exists()  # no case image exported, no answer file started


def test_online_a_hub_that_does_not_answer_or_has_no_such_model_is_named(tmp_path, hub, capsys, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "config.json").write_text("{}", encoding="utf-8")
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}", encoding="utf-8")
    code, err = prepare(write_study(tmp_path, model="someone/no-such-model", adapter=adapter), capsys)
    assert code == 1 and "the hub has no model of that name" in err and "HTTP 404" in err
    assert [r for r, _ in hub.requests] == ["HEAD /someone/no-such-model/resolve/main/config.json"] * 2  # one per arm
    hub.close()  # nothing listens there now
    code, err = prepare(write_study(tmp_path, model="someone/no-such-model", adapter=adapter), capsys)
    assert code == 1 and "did not answer (ConnectError" in err and "set HF_HUB_OFFLINE=1" in err


def test_local_folders_must_hold_a_checkpoint(tmp_path, capsys):
    empty = tmp_path / "model"
    empty.mkdir()
    code, err = prepare(write_study(tmp_path, model=empty, adapter=empty), capsys)
    assert code == 1 and f"arm base: model '{empty}': the folder has no config.json" in err
    assert f"arm tuned: adapter '{empty}': the folder has no adapter_config.json" in err
