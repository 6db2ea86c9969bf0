"""Every medqa command and the config dataclasses that declare its options.

The README's option tables are generated from these declarations, and a test fails when they drift:

    python -m medqa.entrypoints --write README.md    # regenerate the tables between the markers
    python -m medqa.entrypoints --check README.md    # exit 1 when they differ from the code
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from medqa.core.config import options_markdown


@dataclass(frozen=True)
class EntryPoint:
    """One command: how it is run, its option dataclasses, and which options may be given bare, in order."""

    name: str
    command: str
    options: Callable[[], tuple[type, ...]]  # imported when asked for: the registry itself stays light
    positional: tuple[str, ...] = ()
    own_only: Callable[[], tuple[type, ...]] = tuple  # dataclasses whose inherited fields the table leaves out

    def table(self) -> str:
        """The Markdown table of this command's options."""
        return options_markdown(self.options(), own_only=self.own_only())


def _build():
    from medqa.data.config import OPTIONS

    return OPTIONS


def _audit():
    from medqa.data.config import AUDIT_OPTIONS

    return AUDIT_OPTIONS


def _export():
    from medqa.data.config import EXPORT_OPTIONS

    return EXPORT_OPTIONS


def _import():
    from medqa.data.slake_import import IMPORT_OPTIONS

    return IMPORT_OPTIONS


def _download():
    from medqa.data.config import DOWNLOAD_OPTIONS

    return DOWNLOAD_OPTIONS


def _train():
    from medqa.train.config import OPTIONS

    return OPTIONS


def _train_own():
    from medqa.train.config import MedqaTrainingArguments

    return (MedqaTrainingArguments,)


def _evaluate():
    from medqa.eval.config import OPTIONS

    return OPTIONS


def _demo():
    from medqa.app.settings import AppSettings

    return (AppSettings,)


def _tiny():
    from medqa.tiny.cli import TinyArguments

    return (TinyArguments,)


def _study():
    from medqa.study.config import StudyArguments

    return (StudyArguments,)


def _merge():
    from medqa.export import MergeArguments

    return (MergeArguments,)


ENTRY_POINTS: dict[str, EntryPoint] = {ep.name: ep for ep in (
    EntryPoint("data-build", "python -m medqa.data build", _build),
    EntryPoint("data-audit", "python -m medqa.data audit", _audit, positional=("dir",)),
    EntryPoint("data-export", "python -m medqa.data export", _export, positional=("data",)),
    EntryPoint("data-import", "python -m medqa.data import slake", _import, positional=("slake_dir",)),
    EntryPoint("data-download", "python -m medqa.data download", _download),
    EntryPoint("tiny", "python -m medqa.tiny", _tiny, positional=("out_dir",)),
    EntryPoint("train", "python train.py", _train, own_only=_train_own),
    EntryPoint("merge", "python -m medqa.export merge", _merge, positional=("adapter", "out")),
    EntryPoint("evaluate", "python evaluate.py", _evaluate),
    EntryPoint("demo", "python demo/app.py", _demo),
    EntryPoint("study", "python -m medqa.study", _study, positional=("command", "study")),
)}

_BLOCK = re.compile(r"(<!-- options:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /options -->)", re.S)


def render(text: str) -> str:
    """`text` with every `<!-- options:NAME -->` ... `<!-- /options -->` block regenerated."""
    def block(match: re.Match) -> str:
        name = match.group("name")
        if name not in ENTRY_POINTS:
            raise KeyError(f"README names unknown entry point {name!r}; known: {', '.join(ENTRY_POINTS)}")
        return match.group(1) + ENTRY_POINTS[name].table() + match.group(4)

    return _BLOCK.sub(block, text)


def main(argv: list[str] | None = None) -> int:
    """Check or rewrite the option tables of a README."""
    parser = argparse.ArgumentParser(prog="python -m medqa.entrypoints", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", metavar="README", type=Path, help="exit 1 if the tables differ from the code")
    mode.add_argument("--write", metavar="README", type=Path, help="rewrite the tables in place")
    args = parser.parse_args(argv)
    path = args.check or args.write
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if args.write:
        path.write_text(new, encoding="utf-8")
        return 0
    if new != text:
        print(f"{path}: option tables differ from the code; run python -m medqa.entrypoints --write {path}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
