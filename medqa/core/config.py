"""One config system for every entry point: options are dataclass fields, read from three places.

Each entry point (data build, train, evaluate, the demo, the study tools) declares its options
once, as dataclass fields with a default and `metadata={"help": ...}`. `parse_config` reads
them, later sources winning:

1. the field defaults;
2. a YAML (or JSON) file: `--config FILE`, or the file as the only argument (`train.py run.yaml`);
3. environment variables `MEDQA_<FIELD>` (how a Hugging Face Space, which has no command line,
   sets options): `MEDQA_MODEL`, `MEDQA_BASE_URL`, ...;
4. the command line: `--field value` or `--field-with-dashes value`.

An unknown option, file key or malformed value stops with a message naming it (and, for a file,
its line) and the closest known option. `--help` and the README's option tables
(`options_markdown`) come from the same fields, so they cannot drift from the code.
Argument parsing itself is transformers' `HfArgumentParser`, which knows the types of every field
(Optional, Literal, lists, enums), including the many fields of `TrainingArguments`.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import difflib
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

ENV_PREFIX = "MEDQA_"
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")


class ConfigError(ValueError):
    """An option that cannot be read: unknown, malformed, or rejected by its dataclass."""


def env_var(name: str) -> str:
    """The environment variable of option `name`: MEDQA_ + its name in capitals."""
    return ENV_PREFIX + name.upper()


def option_fields(types: Sequence[type]) -> dict[str, tuple[type, dataclasses.Field]]:
    """Every option of `types` (init fields of each dataclass) by name, with the dataclass declaring it."""
    out: dict[str, tuple[type, dataclasses.Field]] = {}
    for dtype in types:
        for f in dataclasses.fields(dtype):
            if f.init:
                out[f.name] = (dtype, f)
    return out


def _escape(text: str) -> str:
    return text.replace("%", "%%")


def default_text(f: dataclasses.Field) -> str:
    """The default as help and the README show it (`metadata["default_text"]` overrides it)."""
    if "default_text" in f.metadata:
        return str(f.metadata["default_text"])
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "required"
    value = getattr(value, "value", value)  # enums as their value
    return "none" if value is None or value == [] else str(value)


DOC_KEYS = ("default_text",)  # field metadata for the docs only, not for argparse


def _parser_class():
    from transformers import HfArgumentParser

    class Parser(HfArgumentParser):
        """HfArgumentParser that keeps medqa's documentation-only metadata away from argparse."""

        @staticmethod
        def _parse_dataclass_field(parser, field):
            if any(key in field.metadata for key in DOC_KEYS):
                field = copy.copy(field)
                field.metadata = MappingProxyType({k: v for k, v in field.metadata.items() if k not in DOC_KEYS})
            HfArgumentParser._parse_dataclass_field(parser, field)

    return Parser


def build_parser(types: Sequence[type], prog: str, description: str | None = None) -> argparse.ArgumentParser:
    """An HfArgumentParser over `types` whose actions leave unset options out of the namespace."""
    parser = _parser_class()(list(types), prog=prog, description=description, allow_abbrev=False,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="YAML or JSON file of options; MEDQA_* variables and the command line override it")
    fields = option_fields(types)
    for action in parser._actions:
        if action.dest not in fields:
            continue
        f = fields[action.dest][1]
        if action.option_strings[0] == f"--{f.name}":  # not the --no_x complement of a boolean
            action.help = f"{action.help or ''} [default: {_escape(default_text(f))}; env {env_var(f.name)}]"
        action.default, action.required = argparse.SUPPRESS, False
    return parser


def _action(parser: argparse.ArgumentParser, name: str) -> argparse.Action:
    return next(a for a in parser._actions if f"--{name}" in a.option_strings)


def convert(parser: argparse.ArgumentParser, name: str, raw: Any, where: str) -> Any:
    """`raw` (text from a variable or file, or a YAML value) as the type of option `name`."""
    action = _action(parser, name)
    many = action.nargs in ("+", "*")
    if raw is None:
        return None
    if many:
        if isinstance(raw, str):
            raw = json.loads(raw) if raw.strip().startswith("[") else shlex.split(raw)
        items = raw if isinstance(raw, list) else [raw]
    else:
        items = [raw]
    try:
        # Text converts through the option's type; so does a YAML number given to a text option (fold: 0).
        values = [action.type(v) if action.type and (isinstance(v, str) or action.type in (str, Path)) else v
                  for v in items]
    except (ValueError, TypeError, argparse.ArgumentTypeError) as exc:
        raise ConfigError(f"{where}: {raw!r} is not a valid value for --{name} ({exc})") from None
    for value in values:
        if action.choices and value not in action.choices:
            choices = ", ".join(map(str, action.choices))
            raise ConfigError(f"{where}: --{name} must be one of {choices}, got {value!r}")
    return values if many else values[0]


def _suggest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def read_config_file(parser: argparse.ArgumentParser, path: str | Path, names: Sequence[str]) -> dict[str, Any]:
    """Options from a YAML/JSON mapping; an unknown key or a bad value names the file and line."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML/JSON: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of option: value, got a {type(data).__name__}")
    lines = {key.value: key.start_mark.line + 1 for key, _ in node.value} if node is not None else {}
    out = {}
    for key, value in data.items():
        where = f"{path}:{lines.get(key, '?')}"
        if key not in names:
            raise ConfigError(f"{where}: unknown option {key!r}{_suggest(str(key), names)}")
        out[key] = convert(parser, key, value, where)
    return out


def read_env(parser: argparse.ArgumentParser, env: Mapping[str, str], names: Sequence[str]) -> dict[str, Any]:
    """Options set as MEDQA_<NAME> variables (empty ones count as unset)."""
    return {name: convert(parser, name, env[env_var(name)], f"environment variable {env_var(name)}")
            for name in names if env.get(env_var(name), "") != ""}


def _split_positionals(argv: list[str], positional: Sequence[str]) -> tuple[list[str], dict[str, str], str | None]:
    """(option tokens, positional values by name, config file) from the leading non-option tokens."""
    values, config = {}, None
    names = list(positional)
    while argv and not argv[0].startswith("-"):
        token = argv.pop(0)
        if names:
            values[names.pop(0)] = token
        elif token.endswith(CONFIG_SUFFIXES) and config is None:
            config = token
        else:
            raise ConfigError(f"unexpected argument {token!r}: options start with --")
    return argv, values, config


def parse_config(types: Sequence[type], argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None,
                 *, prog: str, description: str | None = None, positional: Sequence[str] = ()) -> tuple:
    """One instance of each dataclass in `types`, from defaults < config file < MEDQA_* env < command line.

    `positional` names options that may also be given as leading arguments (`medqa.tiny OUT`).
    Bad input exits with status 2 and a one-line reason, like argparse.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    parser = build_parser(types, prog, description)
    fields = option_fields(types)
    names = list(fields)
    try:
        argv, given, config = _split_positionals(argv, positional)
        namespace, unknown = parser.parse_known_args(argv)
        if unknown:
            flag = unknown[0].split("=")[0]
            known = [s for a in parser._actions for s in a.option_strings]
            raise ConfigError(f"unknown option {flag}{_suggest(flag, known)}")
        cli = vars(namespace)
        config = cli.pop("config", None) or config
        values = read_config_file(parser, config, names) if config else {}
        values |= read_env(parser, env, names)
        values |= {k: convert(parser, k, v, "command line") for k, v in given.items()}
        values |= cli
        return tuple(_instantiate(dtype, fields, values) for dtype in types)
    except ConfigError as exc:
        parser.error(str(exc))
    raise AssertionError("unreachable")  # parser.error exits


def _instantiate(dtype: type, fields: dict, values: dict[str, Any]):
    kwargs = {name: value for name, value in values.items() if fields[name][0] is dtype}
    missing = [f.name for f in dataclasses.fields(dtype) if f.init and f.name not in kwargs
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError("missing required option " + ", ".join(f"--{m}" for m in missing))
    try:
        return dtype(**kwargs)
    except (ValueError, TypeError) as exc:  # a dataclass's own check: say it like a usage error
        raise ConfigError(str(exc)) from None


def options_markdown(types: Sequence[type], own_only: Sequence[type] = ()) -> str:
    """A Markdown table of the options of `types`: option, environment variable, default, help.

    For a dataclass in `own_only`, only the fields it declares itself are listed (a subclass of
    transformers' TrainingArguments lists medqa's settings, not the hundred inherited ones).
    """
    rows = ["| option | environment | default | what it does |", "|---|---|---|---|"]
    for name, (dtype, f) in option_fields(types).items():
        if dtype in own_only and name not in vars(dtype).get("__annotations__", {}):
            continue
        help_text = " ".join(str(f.metadata.get("help", "")).split()).replace("|", "\\|")
        default = default_text(f).replace("|", "\\|")
        rows.append(f"| `--{name}` | `{env_var(name)}` | `{default}` | {help_text} |")
    return "\n".join(rows) + "\n"
