"""Issue 12's probes as figures: what hostile or careless input costs the data build and the demo.

    python bench/hostile_inputs.py [--reports ../shared/data/openi/indiana_reports.csv] [--out OUT.md]

* CSV: copies of the real reports CSV with an unterminated quote (row 6 of 40), a non-UTF-8 byte,
  or nothing in it: reports read, records skipped, exit status of the build.
* Interrupts: a `--seed 1` rebuild over a finished seed-0 build, SIGINT at several delays: runs
  that left a mixed dataset (a patient in two folds), a traceback, or a `.tmp` file.
* Images: peak memory of the demo process opening a deflated 20-frame 5000x5000 DICOM (0.97 MB),
  four 100-megapixel 16-bit PNGs and four 42-megapixel ones (the demo's default limits), each in
  its own process (resident memory sampled every 5 ms), and the size of the copy a session keeps.
* Coordinator password: wrong passwords actually compared in 30 s from one client.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT = REPO.parent / "shared" / "data" / "openi" / "indiana_reports.csv"


def build(reports: Path, out: Path, *extra: str, wait: bool = True):
    cmd = [sys.executable, "-m", "medqa.data", "build", "--reports", str(reports), "--out", str(out), *extra]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc.communicate() + (proc.returncode,) if wait else proc


def csv_rows(reports: Path, work: Path) -> list[str]:
    """One table row per broken copy of the reports CSV."""
    lines = reports.read_text(encoding="utf-8").splitlines(keepends=True)[:41]
    head, _, last = lines[6].rstrip("\n").rpartition(",")
    # Later rows lose their quotes (commas inside fields become semicolons), so nothing closes the open one.
    unquoted = [",".join(f.replace(",", ";").replace('"', "") for f in next(csv.reader([line]))) + "\n"
                for line in lines[7:]]
    quote = lines[:6] + [f'{head},"{last}\n'] + unquoted
    data = "".join(lines).encode("utf-8")
    at = data.index(b"\n10,") + 12
    copies = {"unterminated quote, row 6 of 40": "".join(quote).encode("utf-8"),
              "one 0xFF byte in row 10 of 40": data[:at] + b"\xff" + data[at + 1:], "empty file": b""}
    rows = []
    for name, content in copies.items():
        folder = work / name.split()[0]
        folder.mkdir()
        (folder / "indiana_reports.csv").write_bytes(content)
        shutil.copy(reports.with_name("indiana_projections.csv"), folder)
        out, err, code = build(folder / "indiana_reports.csv", folder / "ds")
        said = next((line for line in (out + err).splitlines() if line.startswith(("read ", "error:"))), "")
        skipped = next((line for line in out.splitlines() if line.startswith("skipped:")), "")
        rows.append(f"| {name} | {said[:90]} | {skipped[9:80]} | {code} |")
    return rows


def mixed(out: Path) -> tuple[int, bool]:
    """(patients in more than one fold, whether a .tmp file is left) of a dataset folder."""
    folds: dict[str, set[int]] = {}
    for path in out.glob("fold_*.jsonl"):
        for line in path.open(encoding="utf-8"):
            folds.setdefault(json.loads(line)["uid"], set()).add(int(path.stem[5:]))
    return sum(len(v) > 1 for v in folds.values()), any(out.rglob("*.tmp"))


def interrupt_rows(reports: Path, work: Path, delays: list[float]) -> list[str]:
    base, out = work / "seed0", work / "ds"
    build(reports, base, "--seed", "0")
    results = []
    for delay in delays:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(base, out)
        proc = build(reports, out, "--seed", "1", wait=False)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate()
        seed = json.loads((out / "dataset.json").read_text())["seed"]
        shared, tmp = mixed(out)
        results.append((delay, proc.returncode, seed, shared, tmp, "Traceback" in err))
    bad = [r for r in results if r[3] or r[4] or r[5]]
    row = (f"| {len(results)} SIGINTs at {delays[0]}-{delays[-1]} s | exit codes {sorted({r[1] for r in results})}, "
           f"seed in dataset.json {sorted({r[2] for r in results})} | {len(bad)} mixed / .tmp / traceback |")
    return [row]


def image_child(name: str, path: str, copies: int) -> None:
    """Run in a child process: open `path` `copies` times as new sessions; print one JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    from medqa.app.context import demo_context
    from medqa.app.handlers import DemoHandlers
    from medqa.app.settings import AppSettings
    from medqa.serve.unavailable import UnavailableBackend

    settings, backend = AppSettings(model="none"), UnavailableBackend("none")
    handlers = DemoHandlers(backend, None, settings, demo_context(backend, settings))
    before, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:  # ru_maxrss would include the parent's memory before exec; sample VmRSS instead
        while not done.wait(0.005):
            peak[0] = max(peak[0], _rss_mb())

    sampler = threading.Thread(target=sample)
    sampler.start()
    sessions = [handlers.session(None, None) for _ in range(copies)]
    for session in sessions:
        handlers.use_image(session, Path(path), name)
    done.set()
    sampler.join()
    peak = max(peak[0], _rss_mb())
    kept = sessions[-1].image.size if sessions[-1].image else None
    print(json.dumps({"before": before, "peak": peak, "after": _rss_mb(), "kept": kept,
                      "said": sessions[-1].display[0].text[:100]}))


def _rss_mb() -> float:
    """This process's resident memory now, in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def image_rows(work: Path) -> list[str]:
    import numpy as np
    from PIL import Image
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import DeflatedExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
    meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta, ds.SOPClassUID, ds.SOPInstanceUID = meta, meta.MediaStorageSOPClassUID, generate_uid()
    ds.Rows = ds.Columns = 5000
    ds.NumberOfFrames, ds.SamplesPerPixel, ds.PhotometricInterpretation = 20, 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit, ds.PixelRepresentation, ds.PixelData = 15, 0, bytes(5000 * 5000 * 2 * 20)
    ds.save_as(work / "bomb.dcm", enforce_file_format=True)
    del ds
    Image.fromarray(np.full((10000, 10000), 1000, np.uint16)).save(work / "png100.png")
    film = (np.arange(6000 * 7000, dtype=np.uint32).reshape(7000, 6000) % 4000).astype(np.uint16)
    Image.fromarray(film).save(work / "png42.png")
    rows = []
    for name, copies in (("bomb.dcm", 1), ("png100.png", 4), ("png42.png", 4)):
        path = work / name
        done = subprocess.run([sys.executable, __file__, "--image-child", name, str(path), str(copies)], cwd=REPO,
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(f"| {name} ({path.stat().st_size / 1e6:.2f} MB) x{copies} | {result['before']:.0f} MB -> "
                    f"{result['after']:.0f} MB (peak {result['peak']:.0f} MB) | {result['kept']} | {result['said']} |")
    return rows


def admin_row(seconds: float = 30.0) -> str:
    import warnings

    warnings.simplefilter("ignore")
    from gradio_client import Client

    from medqa.app.settings import AppSettings
    from medqa.app.ui import build_demo, launch_options
    from medqa.feedback.store import FeedbackStore
    from medqa.serve.unavailable import UnavailableBackend

    with tempfile.TemporaryDirectory() as tmp:
        demo = build_demo(UnavailableBackend("x"), FeedbackStore(Path(tmp) / "r.db"),
                          AppSettings(model="x", admin_password="right-password"))
        _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_options())
        client, compared, tries, start = Client(url, verbose=False), 0, 0, time.monotonic()
        while time.monotonic() - start < seconds:
            said = client.predict(f"guess-{tries}", "", "", "", "", api_name="/admin_view")[0]
            compared, tries = compared + said.startswith("⚠️ 密码错误。"), tries + 1
        demo.close()
    return f"| wrong coordinator passwords, one client, {seconds:.0f} s | {tries} tries | {compared} compared |"


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--image-child":
        image_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=Path, default=DEFAULT)
    parser.add_argument("--delays", default="1,2,2.5,3,3.5,4,5", help="seconds before each SIGINT")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "hostile_inputs.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "csv").mkdir()
        lines = ["| broken reports CSV | build says | skipped | exit |", "|---|---|---|---|",
                 *csv_rows(args.reports, work / "csv"), "",
                 "| interrupted rebuild | outcome | damage |", "|---|---|---|",
                 *interrupt_rows(args.reports, work, [float(d) for d in args.delays.split(",")]), "",
                 "| upload | demo RSS before -> after (peak while loading) | session keeps | chat says |",
                 "|---|---|---|---|", *image_rows(work), "",
                 "| probe | tries | result |", "|---|---|---|", admin_row()]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
