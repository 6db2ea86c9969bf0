"""`python -m medqa.data download` against a real local HTTP server serving small archives in the NLM's layout.

The archives are made here: the repository's synthetic ecgen-radiology XML reports under
`ecgen-radiology/`, and small PNGs named as in NLMCXR_png.tgz (`./CXR54_IM-2145-1001.png` at the top
level, beside a `./Thumbs.db` as in the real archive).
"""

import hashlib
import io
import random
import shlex
import sys
import tarfile

import httpx
import pytest
import yaml
from PIL import Image

from medqa.data import archives as archives_module
from medqa.data import fetch as fetch_module
from medqa.data.archives import MANIFEST, load_manifest
from medqa.data.cli import main
from tests.helpers.file_server import FileServer

IMAGES = ["CXR1009_IM-0010-1001", "CXR1009_IM-0010-2001", "CXR54_IM-2145-1001", "CXR54_IM-2145-1002"]


def tgz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def png(seed: int) -> bytes:
    """A noisy grey film (it does not compress away: the archive spans many network reads)."""
    buffer = io.BytesIO()
    Image.frombytes("L", (96, 80), random.Random(seed).randbytes(96 * 80)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def archives(xml_dir) -> dict[str, bytes]:
    reports = {f"ecgen-radiology/{p.name}": p.read_bytes() for p in sorted(xml_dir.glob("*.xml"))}
    images = {f"./{name}.png": png(i) for i, name in enumerate(IMAGES)} | {"./Thumbs.db": b"\0" * 512}
    return {"NLMCXR_reports.tgz": tgz(reports), "NLMCXR_png.tgz": tgz(images)}


def write_manifest(path, files: dict[str, bytes], sha: bool = True):
    """A manifest of the real one's shape for the small archives (sizes and digests of these bytes)."""
    real = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    expect = {"reports": {"ecgen-radiology/*.xml": 4}, "images": {"*.png": 4}}
    for entry in real["archives"]:
        data = files[entry["file"]]
        entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest() if sha else None,
                     expect=expect[entry["name"]])
    path.write_text(yaml.safe_dump(real), encoding="utf-8")
    return path


@pytest.fixture
def server(archives):
    srv = FileServer(archives)
    yield srv
    srv.close()


@pytest.fixture
def download(server, archives, tmp_path, monkeypatch):
    """Run the command against the local server with the small archives' manifest: download(*extra) -> code."""
    monkeypatch.setattr(fetch_module.time, "sleep", lambda _s: None)  # retries need no real wait here
    manifest = write_manifest(tmp_path / "manifest.yaml", archives)

    def run(*extra, out=tmp_path / "openi"):
        return main(["download", "--out", str(out), "--manifest", str(manifest), "--base-url", server.url,
                     "--no_progress", *extra])

    return run


def leftovers(out) -> list[str]:
    """Anything under OUT but the two finished folders."""
    return sorted(p.name for p in out.iterdir() if p.name not in ("reports", "images"))


def test_a_download_unpacks_the_real_layout_and_its_build_command_works(download, server, tmp_path, capsys):
    out = tmp_path / "openi"
    assert download() == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in (out / "reports" / "ecgen-radiology").iterdir()) == [
        "1009.xml", "54.xml", "7.xml", "8.xml"]
    assert sorted(p.stem for p in (out / "images").glob("*.png")) == sorted(IMAGES)
    assert leftovers(out) == []  # archives deleted once unpacked, no .part, no temporary folder
    command = next(line.strip() for line in printed.splitlines() if " -m medqa.data build " in line)
    argv = shlex.split(command)
    assert argv[:3] == [sys.executable, "-m", "medqa.data"]  # the Python that ran the download, not a bare `python`
    argv = argv[3:]
    argv[argv.index("--out") + 1] = str(tmp_path / "ds")
    assert main([*argv, "--folds", "2"]) == 0
    built = capsys.readouterr().out
    assert "read 3 reports -> 4 conversations" in built and "image missing on disk" not in built
    requests = len(server.requests)
    assert download() == 0 and len(server.requests) == requests  # already there: nothing fetched again


def test_an_interrupted_transfer_resumes_from_where_it_stopped(download, server, archives, tmp_path, capsys):
    out, size = tmp_path / "openi", len(archives["NLMCXR_png.tgz"])
    server.cut["NLMCXR_png.tgz"] = size // 2
    assert download("--retries", "0") == 1
    err = capsys.readouterr().err
    assert f"{size // 2:,} of {size:,} bytes are kept" in err and "run the same command again to resume" in err
    assert (out / "NLMCXR_png.tgz.part").stat().st_size == size // 2
    assert not (out / "images").exists() and (out / "reports").is_dir()
    assert download() == 0
    assert server.requests[-1] == ("NLMCXR_png.tgz", f"bytes={size // 2}-")  # only the rest was asked for
    assert len(list((out / "images").glob("*.png"))) == 4 and leftovers(out) == []


def test_a_dropped_connection_is_resumed_within_the_run(download, server, archives, tmp_path):
    server.cut["NLMCXR_reports.tgz"] = 100
    assert download("--only", "reports") == 0
    assert server.requests == [("NLMCXR_reports.tgz", None), ("NLMCXR_reports.tgz", "bytes=100-")]
    assert (tmp_path / "openi" / "reports" / "ecgen-radiology" / "54.xml").is_file()


def test_a_server_that_ignores_range_gets_the_whole_file_again(download, server, tmp_path):
    server.ranges = False
    server.cut["NLMCXR_reports.tgz"] = 100
    assert download("--only", "reports") == 0
    assert leftovers(tmp_path / "openi") == []


def corrupt(data: bytes) -> bytes:
    """The same number of bytes, some of the compressed stream changed."""
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0x5A for b in data[middle:middle + 16]) + data[middle + 16:]


def test_a_corrupt_archive_is_refused_deleted_and_fetched_anew(download, server, archives, tmp_path, capsys):
    out = tmp_path / "openi"
    server.files["NLMCXR_png.tgz"] = corrupt(archives["NLMCXR_png.tgz"])
    assert download() == 1
    err = capsys.readouterr().err
    assert "NLMCXR_png.tgz.part: SHA-256" in err and "differs from the manifest's" in err and "--skip-checksum" in err
    assert not (out / "images").exists() and leftovers(out) == []
    # Without the digest the archive itself is checked: members and the gzip CRC, read to the end.
    assert download("--skip-checksum") == 1
    assert "NLMCXR_png.tgz is corrupt or incomplete" in capsys.readouterr().err
    assert not (out / "images").exists() and leftovers(out) == []
    server.files["NLMCXR_png.tgz"] = archives["NLMCXR_png.tgz"]
    assert download() == 0 and len(list((out / "images").glob("*.png"))) == 4


def test_an_archive_short_of_its_files_is_not_unpacked(download, server, archives, tmp_path, capsys):
    short = tgz({"ecgen-radiology/1.xml": b"<eCitation/>"})
    server.files["NLMCXR_reports.tgz"] = short
    manifest = write_manifest(tmp_path / "short.yaml", {**archives, "NLMCXR_reports.tgz": short})
    assert download("--manifest", str(manifest), "--only", "reports") == 1
    assert "holds 1 file(s) matching ecgen-radiology/*.xml, the manifest expects at least 4" in capsys.readouterr().err
    assert leftovers(tmp_path / "openi") == []


@pytest.mark.parametrize("status", [403, 500])
def test_a_server_that_refuses_says_so_and_leaves_nothing(download, server, tmp_path, capsys, status):
    server.status["NLMCXR_reports.tgz"] = status
    assert download("--retries", "1") == 1
    err = capsys.readouterr().err
    assert f"HTTP {status}" in err and "NLMCXR_reports.tgz" in err
    # a refusal is final; a server error is tried again (once here)
    assert len(server.requests) == (1 if status == 403 else 2)
    assert leftovers(tmp_path / "openi") == [] and not (tmp_path / "openi" / "reports").exists()


def test_a_mirror_offering_another_file_is_stopped_before_it_is_fetched(download, server, archives, capsys):
    server.files["NLMCXR_reports.tgz"] = archives["NLMCXR_reports.tgz"] + b"more"
    assert download() == 1
    assert "the server offers" in capsys.readouterr().err


def test_ctrl_c_while_unpacking_leaves_no_folder_and_the_next_run_does_not_fetch_again(
        download, server, tmp_path, monkeypatch, capsys):
    out = tmp_path / "openi"
    real, calls = archives_module.shutil.copyfileobj, []

    def copy(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(archives_module.shutil, "copyfileobj", copy)
    assert download("--only", "reports") == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    assert leftovers(out) == ["NLMCXR_reports.tgz"]  # verified, not unpacked: no reports/ that looks complete
    monkeypatch.setattr(archives_module.shutil, "copyfileobj", real)
    requests = len(server.requests)
    assert download("--only", "reports") == 0 and len(server.requests) == requests
    assert len(list((out / "reports" / "ecgen-radiology").glob("*.xml"))) == 4


def test_dry_run_says_what_from_where_and_how_big_and_fetches_nothing(download, server, archives, tmp_path, capsys):
    out = tmp_path / "openi"
    out.mkdir()
    (out / "NLMCXR_png.tgz.part").write_bytes(archives["NLMCXR_png.tgz"][:100])
    assert download("--dry-run") == 0
    printed = capsys.readouterr().out
    assert f"{server.url}NLMCXR_reports.tgz" in printed and f"{len(archives['NLMCXR_reports.tgz']):,} bytes" in printed
    assert "resume:" in printed and "to fetch:" in printed and "disk needed" in printed
    assert server.requests == [] and sorted(p.name for p in out.iterdir()) == ["NLMCXR_png.tgz.part"]


def test_the_shipped_manifest_is_valid_and_a_broken_one_is_named(tmp_path, capsys):
    manifest = load_manifest()
    assert {a.name for a in manifest.archives} == {"reports", "images"}
    assert all(a.sha256 and a.expect and a.build_option for a in manifest.archives)
    bad = tmp_path / "bad.yaml"
    bad.write_text("base_url: https://example.org/\narchives:\n  - {name: r, file: r.tgz, size: -1, unpack_to: r}\n",
                   encoding="utf-8")
    assert main(["download", "--out", str(tmp_path / "o"), "--manifest", str(bad), "--dry-run"]) == 2
    assert f"{bad}: archive 1 (r): size must be a positive number of bytes" in capsys.readouterr().err


def test_ctrl_c_during_the_transfer_keeps_what_arrived_and_the_next_run_asks_for_the_rest(
        download, server, archives, tmp_path, monkeypatch, capsys):
    out, real = tmp_path / "openi", fetch_module.tqdm
    whole = httpx.Response.iter_bytes

    def pieces(self, chunk_size=None):  # as a slow line delivers them: 4 kB at a time
        for chunk in whole(self, chunk_size):
            yield from (chunk[i:i + 4096] for i in range(0, len(chunk), 4096))

    monkeypatch.setattr(httpx.Response, "iter_bytes", pieces)

    class Interrupted(real):
        def update(self, n=1):
            super().update(n)
            raise KeyboardInterrupt  # Ctrl-C once the first bytes are on disk

    monkeypatch.setattr(fetch_module, "tqdm", Interrupted)
    assert download("--only", "images") == 130
    assert "run the same command again to resume" in capsys.readouterr().err
    kept = (out / "NLMCXR_png.tgz.part").stat().st_size
    assert 0 < kept < len(archives["NLMCXR_png.tgz"]) and not (out / "images").exists()
    monkeypatch.setattr(fetch_module, "tqdm", real)
    assert download("--only", "images") == 0
    assert server.requests[-1] == ("NLMCXR_png.tgz", f"bytes={kept}-")
    assert len(list((out / "images").glob("*.png"))) == 4 and leftovers(out) == []
