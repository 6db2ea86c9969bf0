"""One config system: every option of every command reads the same from the command line, YAML and MEDQA_*.

Also: the README's option tables are the ones the code declares, and bad options say what is wrong.
"""

import dataclasses
import enum
import shlex
import typing
from pathlib import Path

import pytest
import yaml

from medqa.core.config import env_var, option_fields, parse_config
from medqa.entrypoints import ENTRY_POINTS, main, render

REPO = Path(__file__).resolve().parents[1]

# Values an option must take together with the one under test (required options, cross-checks).
BASE = {
    "data-build": {"reports": "r.csv", "out": "o"},
    "data-audit": {"dir": "ds"},
    "data-export": {"data": "o"},
    "data-import": {"slake_dir": "s", "out": "o"},
    "data-download": {"out": "o"},
    "tiny": {"out_dir": "tiny-out"},
    "merge": {"adapter": "runs/a", "out": "merged"},
    "demo": {"base_url": "http://127.0.0.1:8000/v1"},
    "study": {"command": "report", "study": "study.yaml"},
    "data-build+llm": {"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"},
}
# Options whose values the dataclass checks: a valid non-default value for each.
VALUES = {
    "method": "qlora", "hidden": 128, "optim": "adamw_torch_fused", "lr_scheduler_type": "linear",
    "generator": "llm", "arch": "qwen2_vl", "strategy": "sample",
    "evaluate:model": ["baseline:majority", "Named row=some/model"], "evaluate:folds": "1,3",
    "batching": "tokens", "train:dataloader_num_workers": 3,
    "trusted_proxies": "10.0.0.5,10.1.0.0/16",
}


def _unwrap(tp):
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return _unwrap(args[0]) if typing.get_origin(tp) in (typing.Union, __import__("types").UnionType)\
        and args else tp


def sample(entry: str, dtype: type, f: dataclasses.Field):
    """A valid value of option `f` of command `entry` that differs from its default."""
    for key in (f"{entry}:{f.name}", f.name):
        if key in VALUES:
            return VALUES[key]
    tp = _unwrap(typing.get_type_hints(dtype)[f.name])
    default = None if f.default is dataclasses.MISSING else f.default
    default = getattr(default, "value", default)
    if typing.get_origin(tp) is typing.Literal:
        return next(c for c in typing.get_args(tp) if c != default)
    if tp is bool:
        return not default
    if tp is int:
        return (default or 1) * 2 + 1
    if tp is float:
        return (default or 0.25) * 2
    if typing.get_origin(tp) is list:
        return ["first", "second item"]
    if tp is Path:
        return Path(f"some/{f.name}")
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(m.value for m in tp if m.value != default)
    return f"{f.name}-value"


def routes(values: dict, tmp_path: Path) -> dict:
    """The same options as argv, as a YAML file, and as environment variables."""
    argv = []
    for name, value in values.items():
        items = value if isinstance(value, list) else [value]
        argv += [f"--{name}", *(str(v).lower() if isinstance(v, bool) else str(v) for v in items)]
    config = tmp_path / "options.yaml"
    config.write_text(yaml.safe_dump({k: str(v) if isinstance(v, Path) else v for k, v in values.items()},
                                     allow_unicode=True), encoding="utf-8")
    env = {env_var(k): shlex.join(v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)
           for k, v in values.items()}
    return {"cli": (argv, {}), "yaml": (["--config", str(config)], {}), "env": ([], env)}


def cases():
    for name, ep in ENTRY_POINTS.items():
        own = ep.own_only()
        for option, (dtype, _field) in option_fields(ep.options()).items():
            if dtype in own and option not in vars(dtype).get("__annotations__", {}):
                continue  # inherited TrainingArguments fields: transformers' own, not declared by medqa
            yield pytest.param(name, option, id=f"{name}:{option}")


@pytest.mark.parametrize("name,option", list(cases()))
def test_every_option_reads_the_same_from_cli_yaml_and_env(name, option, tmp_path):
    ep = ENTRY_POINTS[name]
    dtype, f = option_fields(ep.options())[option]
    value = sample(name, dtype, f)
    values = BASE.get(name, {}) | (BASE["data-build+llm"] if option == "generator" else {}) | {option: value}
    got = {}
    for route, (argv, env) in routes(values, tmp_path).items():
        parsed = parse_config(ep.options(), argv, env, prog=ep.command)
        (instance,) = [p for p in parsed if isinstance(p, dtype)]
        got[route] = getattr(instance, option)
    assert got["cli"] == got["yaml"] == got["env"], got
    result = getattr(got["cli"], "value", got["cli"])
    assert result == value or str(result) == str(value), (result, value)  # and it is the value given


def test_precedence_is_cli_over_env_over_yaml(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("max_new_tokens: 11\nbatch_size: 5\nlimit: 2\n", encoding="utf-8")
    env = {"MEDQA_BATCH_SIZE": "6", "MEDQA_LIMIT": "3"}
    args, decoding = parse_config(ENTRY_POINTS["evaluate"].options(), [str(config), "--limit", "4"], env, prog="x")
    assert (decoding.max_new_tokens, args.batch_size, args.limit) == (11, 6, 4)


@pytest.mark.parametrize("argv,env,message", [
    (["--no_such_option", "1"], {}, "unknown option --no_such_option"),
    (["--max_new_token", "3"], {}, "did you mean --max_new_tokens"),
    (["--batch_size", "many"], {}, "invalid int value: 'many'"),
    ([], {"MEDQA_BATCH_SIZE": "many"}, "environment variable MEDQA_BATCH_SIZE: 'many' is not a valid value"),
    ([], {"MEDQA_BACKEND": "tgi"}, "--backend must be one of local, openai, got 'tgi'"),
    (["--batch_size", "0"], {}, "--batch_size and --limit must be at least 1"),
])
def test_bad_options_say_what_is_wrong(argv, env, message, capsys):
    with pytest.raises(SystemExit) as stop:
        parse_config(ENTRY_POINTS["evaluate"].options(), argv, env, prog="python evaluate.py")
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_yaml_errors_name_the_file_and_line(tmp_path, capsys):
    config = tmp_path / "train.yaml"
    config.write_text("data: d\nfold: 1\nlearning_rat: 0.1\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        parse_config(ENTRY_POINTS["train"].options(), [str(config)], {}, prog="python train.py")
    assert f"{config}:3: unknown option 'learning_rat' (did you mean learning_rate?)" in capsys.readouterr().err


def test_required_options_and_positionals(capsys):
    tiny_options = ENTRY_POINTS["tiny"].options()
    (tiny,) = parse_config(tiny_options, ["out", "--seed", "3"], {}, prog="t", positional=("out_dir",))
    assert (tiny.out_dir, tiny.seed) == (Path("out"), 3)
    with pytest.raises(SystemExit):
        parse_config(ENTRY_POINTS["data-build"].options(), ["--out", "o"], {}, prog="python -m medqa.data build")
    assert "missing required option --reports" in capsys.readouterr().err


def test_help_lists_every_option_with_its_variable(capsys):
    with pytest.raises(SystemExit):
        parse_config(ENTRY_POINTS["demo"].options(), ["--help"], {}, prog="python demo/app.py")
    out = capsys.readouterr().out
    for option in option_fields(ENTRY_POINTS["demo"].options()):
        assert f"--{option}" in out and env_var(option) in out


def test_readme_option_tables_match_the_code(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert render(readme) == readme, "run: python -m medqa.entrypoints --write README.md"
    for name in ENTRY_POINTS:
        assert f"<!-- options:{name} -->" in readme
    drifted = tmp_path / "README.md"
    drifted.write_text(readme.replace("| `--max_new_tokens` |", "| `--max_tokens` |"), encoding="utf-8")
    assert main(["--check", str(drifted)]) == 1
    assert main(["--write", str(drifted)]) == 0 and drifted.read_text(encoding="utf-8") == readme


def test_registry_covers_what_the_scripts_parse():
    import evaluate
    import train
    from medqa.data import cli

    assert ENTRY_POINTS["train"].options() == train.OPTIONS
    assert ENTRY_POINTS["evaluate"].options() == evaluate.OPTIONS
    assert ENTRY_POINTS["data-build"].options() == cli.OPTIONS
    assert ENTRY_POINTS["data-download"].options() == cli.DOWNLOAD_OPTIONS
    assert ENTRY_POINTS["data-audit"].options() == cli.AUDIT_OPTIONS
