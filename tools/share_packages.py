"""Hard-link installed distributions (torch and its CUDA libraries) from one virtual environment into another.

CI builds two environments with the same torch==2.14.1 (newest and floor versions). PyPI's Linux torch brings
about 5.5 GB of CUDA libraries even on a CPU machine, and a second copy ran CI's disk out of space. Linking the
files that each distribution's RECORD lists makes pip in the second environment see them as installed (same
name and version), so it installs only what differs; the files take no new space. Falls back to copying where
the two folders are on different file systems.

    python3 tools/share_packages.py SRC_VENV DST_VENV torch torchvision triton 'nvidia_*'
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import sys
from pathlib import Path


def site_packages(venv: Path) -> Path:
    """The one lib/pythonX.Y/site-packages folder of VENV."""
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if len(found) != 1:
        raise SystemExit(f"{venv}: expected one lib/python3*/site-packages folder, found {len(found)}")
    return found[0]


def distributions(site: Path, patterns: list[str]) -> list[Path]:
    """The .dist-info folders in SITE whose distribution name matches one of PATTERNS."""
    chosen = []
    for info in sorted(site.glob("*.dist-info")):
        name = info.name.split("-")[0].lower()  # dist-info names use '_' for '-' already
        if any(fnmatch.fnmatch(name, p.lower().replace("-", "_")) for p in patterns):
            chosen.append(info)
    return chosen


def record_files(info: Path) -> list[str]:
    """The paths, relative to site-packages, that the distribution's RECORD lists; scripts outside it are left out
    (their first line names the source environment's Python)."""
    record = info / "RECORD"
    if not record.is_file():
        raise SystemExit(f"{record}: missing; cannot tell which files belong to {info.name}")
    paths = []
    for line in record.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        path = line.rsplit(",", 2)[0]
        if path.startswith("..") or os.path.isabs(path):
            continue
        if "__pycache__" in Path(path).parts:
            continue
        paths.append(path)
    return paths


def share(src_site: Path, dst_site: Path, infos: list[Path]) -> tuple[int, int]:
    """Link every listed file of INFOS from SRC_SITE into DST_SITE; returns (files linked, files copied)."""
    linked = copied = 0
    for info in infos:
        for rel in record_files(info):
            src, dst = src_site / rel, dst_site / rel
            if not src.exists():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if dst.exists():
                dst.unlink()
            try:
                os.link(src, dst)
                linked += 1
            except OSError:
                shutil.copy2(src, dst)
                copied += 1
    return linked, copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path, help="environment that has the distributions installed")
    parser.add_argument("dst", type=Path, help="environment to share them into (made with python3 -m venv)")
    parser.add_argument("names", nargs="+", help="distribution names; shell-style patterns allowed ('nvidia_*')")
    args = parser.parse_args(argv)
    src_site, dst_site = site_packages(args.src), site_packages(args.dst)
    infos = distributions(src_site, args.names)
    if not infos:
        raise SystemExit(f"{src_site}: none of {args.names} is installed")
    linked, copied = share(src_site, dst_site, infos)
    print(f"shared {len(infos)} distributions into {dst_site}: {linked} files linked, {copied} copied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
