"""The inputs of the ecosystem checks: datasets built from ../shared and a tiny Qwen2.5-VL (run with medqa's Python).

* DIR/images: the conversations that have images in ../shared (5 folds, one empty), exports written;
* DIR/full: every report, no images (for the `load_dataset` check, which reads no pixels);
* DIR/model: `medqa.tiny`'s Qwen2.5-VL with the processor's own pixel limits set to Qwen2.5-VL-7B-Instruct's
  (3136 to 12845056), so the medqa budget written in the exports is what sizes the images, as with the real model.

    python prepare.py DIR
"""

import argparse
import json
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from medqa.data.cli import main as data_main  # noqa: E402
from medqa.tiny import build_tiny_model  # noqa: E402

OPENI = REPO.parent / "shared" / "data" / "openi"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/ecosystem/prepare.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path, help="folder to write images/, full/ and model/ into")
    out = parser.parse_args(argv).dir
    logging.getLogger("medqa").setLevel(logging.ERROR)  # thousands of 'image missing' skips, counted in the build
    reports = ["--reports", str(OPENI / "indiana_reports.csv")]
    if data_main(["build", *reports, "--images-dir", str(OPENI / "images"), "--out", str(out / "images")]):
        return 1
    if data_main(["build", *reports, "--out", str(out / "full")]):
        return 1
    model = build_tiny_model(out / "model", "qwen2_5_vl", seed=0)
    path = Path(model) / "processor_config.json"
    config = json.loads(path.read_text())
    config["image_processor"]["size"] = {"shortest_edge": 3136, "longest_edge": 12845056}
    path.write_text(json.dumps(config, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
