"""Every command's `--help` runs and exits 0 (issue 19: `train.py --help` once crashed on a '%' in a help text).

Run in-process, as `python SCRIPT --help` / `python -m MODULE --help` would run them (runpy), so the suite pays
the library imports once. A second test fails when a new script or `python -m medqa.data` command is added
without being listed here. CI runs this file on the lowest and the newest allowed library versions.
"""

import runpy
import sys

import pytest

from tests.helpers.paths import REPO


def _has_main(path) -> bool:
    return 'if __name__ == "__main__"' in path.read_text(encoding="utf-8")


SCRIPTS = ["train.py", "evaluate.py", "demo/app.py",
           *sorted(str(p.relative_to(REPO)) for p in [*REPO.glob("bench/*.py"), *REPO.glob("tools/*.py"),
                                                               *REPO.glob("tools/*/*.py")]
                   if _has_main(p))]
MODULES = [["medqa.data"], ["medqa.study"], ["medqa.tiny"], ["medqa.entrypoints"], ["medqa.export", "merge"],
           ["medqa.data.rule.rates"]]


def data_commands() -> list[str]:
    from medqa.data.cli import COMMANDS

    return sorted(COMMANDS)


def run_help(capsys, monkeypatch, argv: list[str], runner) -> str:
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as done:
        runner()
    out = capsys.readouterr()
    assert done.value.code in (0, None), f"{argv}: exit {done.value.code}\n{out.err[-2000:]}"
    assert "usage" in out.out.lower(), out.out[:500]
    return out.out


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_help_exits_0(capsys, monkeypatch, script):
    path = str(REPO / script)
    monkeypatch.syspath_prepend(str(REPO))
    monkeypatch.syspath_prepend(str((REPO / script).parent))  # as `python SCRIPT` puts its folder first
    run_help(capsys, monkeypatch, [path, "--help"], lambda: runpy.run_path(path, run_name="__main__"))


@pytest.mark.parametrize("module", MODULES, ids=" ".join)
def test_module_help_exits_0(capsys, monkeypatch, module):
    run_help(capsys, monkeypatch, [module[0], *module[1:], "--help"],
             lambda: runpy.run_module(module[0], run_name="__main__", alter_sys=True))


@pytest.mark.parametrize("command", data_commands())
def test_every_medqa_data_command_help_exits_0(capsys, monkeypatch, command):
    from medqa.data.cli import main

    out = run_help(capsys, monkeypatch, ["medqa.data", command, "--help"], lambda: sys.exit(main([command, "--help"])))
    assert command in out


def test_every_command_is_listed_here():
    """A script or package with a `__main__` that this file does not run is a failure, not a gap."""
    mains = {str(p.relative_to(REPO)) for p in REPO.rglob("*.py")
             if not any(part.startswith(".") for part in p.relative_to(REPO).parts)  # .venv, .ecosystem, ...
             and "tests" not in p.parts and _has_main(p)}
    modules = {m[0] for m in MODULES}
    as_module = {m for m in mains if m.startswith("medqa/")}
    assert {m.removesuffix(".py").removesuffix("/__main__").replace("/", ".") for m in as_module} <= modules
    assert mains - as_module <= set(SCRIPTS)
    packages = {p.parent.relative_to(REPO).as_posix().replace("/", ".") for p in REPO.glob("medqa/*/__main__.py")}
    assert packages <= modules
