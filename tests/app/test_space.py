"""The repository as a Hugging Face Space: its card, its Python, and what ZeroGPU needs at start-up."""

import subprocess
import sys

import gradio
import torch
from huggingface_hub import SpaceCard, SpaceHardware

from medqa.app import backends
from medqa.app.settings import AppSettings
from tests.helpers.paths import REPO

# A stand-in `spaces` package: records whether torch was imported before it, as ZeroGPU forbids.
FAKE_SPACES = """
import os, sys
with open(os.environ["SPACES_PROBE"], "w") as f:
    f.write("torch first" if "torch" in sys.modules else "spaces first")
def GPU(*args, **kwargs):
    return (lambda fn: fn) if not args or not callable(args[0]) else args[0]
"""


def test_space_card_parses_and_pins_what_the_tests_run():
    data = SpaceCard.load(REPO / "README.md").data
    assert data.sdk == "gradio" and data.sdk_version == gradio.__version__
    assert data.python_version == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert data.to_dict()["suggested_hardware"] in {h.value for h in SpaceHardware}
    assert (REPO / data.app_file).is_file()


def test_the_app_imports_spaces_before_torch(tmp_path):
    (tmp_path / "spaces").mkdir()
    (tmp_path / "spaces" / "__init__.py").write_text(FAKE_SPACES)
    probe = tmp_path / "probe.txt"
    env = {"PYTHONPATH": str(tmp_path), "SPACES_PROBE": str(probe), "PATH": "/usr/bin:/bin",
           "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    # --help parses the options and exits: enough for the module's own imports to have run.
    done = subprocess.run([sys.executable, str(REPO / "demo" / "app.py"), "--help"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert probe.read_text() == "spaces first"


def test_under_zero_gpu_the_model_is_moved_to_cuda_at_start_up(tiny_model, monkeypatch):
    moved = []
    original = torch.nn.Module.to

    def record(self, *args, **kwargs):  # no GPU here: note the move ZeroGPU's patched torch would record
        if args and str(args[0]).startswith("cuda"):
            moved.append(type(self).__name__)
            return self
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.nn.Module, "to", record)
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    backend = backends.build_backend(AppSettings(model=str(tiny_model)))
    assert moved == [type(backend.loaded.model).__name__]
    monkeypatch.setenv("SPACES_ZERO_GPU", "false")
    moved.clear()
    backends.build_backend(AppSettings(model=str(tiny_model)))
    assert moved == []  # elsewhere: the device map decides (cuda when there is one)
