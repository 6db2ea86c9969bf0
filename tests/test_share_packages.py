"""tools/share_packages.py: CI's floor environment takes torch from the first one by hard links (disk space)."""

import runpy
import subprocess
import sys

import pytest

from tests.helpers.paths import REPO

SHARE = runpy.run_path(str(REPO / "tools/share_packages.py"))


def fake_venv(root, files: dict[str, str], record: bool = True):
    site = root / "lib/python3.11/site-packages"
    info = site / "torch-2.14.1.dist-info"
    info.mkdir(parents=True)
    for rel, text in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if record:
        lines = [f"{rel},sha256=x,{len(text)}" for rel, text in files.items()]
        lines += ["torch-2.14.1.dist-info/RECORD,,", "../../../bin/torchrun,sha256=y,10", ""]
        (info / "RECORD").write_text("\n".join(lines))
    return site


def test_links_every_recorded_file_and_leaves_scripts_and_others(tmp_path):
    src = fake_venv(tmp_path / "a", {"torch/__init__.py": "x = 1\n", "torch/lib/libtorch.so": "ELF",
                                     "torch-2.14.1.dist-info/METADATA": "Name: torch\nVersion: 2.14.1\n"})
    (src / "numpy").mkdir()
    (src / "numpy/__init__.py").write_text("")
    (src / "numpy-2.0.0.dist-info").mkdir()
    (src / "numpy-2.0.0.dist-info/RECORD").write_text("numpy/__init__.py,,\n")
    dst = tmp_path / "b/lib/python3.11/site-packages"
    dst.mkdir(parents=True)
    (dst / "torch/lib").mkdir(parents=True)
    (dst / "torch/lib/libtorch.so").write_text("stale")  # replaced, not kept
    SHARE["main"]([str(tmp_path / "a"), str(tmp_path / "b"), "torch", "nvidia_*"])
    for rel in ["torch/__init__.py", "torch/lib/libtorch.so", "torch-2.14.1.dist-info/METADATA",
                "torch-2.14.1.dist-info/RECORD"]:
        assert (dst / rel).stat().st_ino == (src / rel).stat().st_ino, rel
    assert (dst / "torch/lib/libtorch.so").read_text() == "ELF"
    assert not (dst / "numpy").exists()  # not named
    assert not (tmp_path / "b/bin/torchrun").exists()  # scripts name the first environment's Python


def test_distribution_without_record_is_refused_by_name(tmp_path):
    fake_venv(tmp_path / "a", {"torch/__init__.py": ""}, record=False)
    (tmp_path / "b/lib/python3.11/site-packages").mkdir(parents=True)
    with pytest.raises(SystemExit, match=r"torch-2.14.1.dist-info/RECORD: missing"):
        SHARE["main"]([str(tmp_path / "a"), str(tmp_path / "b"), "torch"])


def test_nothing_matching_is_an_error(tmp_path):
    fake_venv(tmp_path / "a", {"torch/__init__.py": ""})
    (tmp_path / "b/lib/python3.11/site-packages").mkdir(parents=True)
    with pytest.raises(SystemExit, match="none of"):
        SHARE["main"]([str(tmp_path / "a"), str(tmp_path / "b"), "jax"])


def test_pip_in_the_second_environment_sees_the_linked_torch(tmp_path):
    """The real use: the shared torch counts as installed in the second venv (so pip installs no second copy)."""
    target = tmp_path / "floor"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    SHARE["main"]([sys.prefix, str(target), "torch"])
    probe = subprocess.run([str(target / "bin/python"), "-c",
                            "import importlib.metadata as m; print(m.version('torch'))"],
                           capture_output=True, text=True, check=True)
    import importlib.metadata

    assert probe.stdout.strip() == importlib.metadata.version("torch")
