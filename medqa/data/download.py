"""`python -m medqa.data download --out DIR`: fetch the Open-i collection the paper used, verified and unpacked.

For each archive of the manifest (medqa/data/openi_archives.yaml): skip it when its folder is already
unpacked; otherwise fetch it into OUT/FILE.part (resuming), check its size and SHA-256, rename it to
OUT/FILE, unpack it into a temporary folder renamed to OUT/<unpack_to> once every member was read (so
the gzip CRC and the expected file count were checked), and delete the archive. Stopping at any point
and running the same command again continues where it stopped, and a folder under OUT exists only
once it is complete.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from medqa.data.archives import Archive, ArchiveError, Manifest, unpack, verify
from medqa.data.fetch import fetch

log = logging.getLogger("medqa.data")


@dataclass(frozen=True)
class Step:
    """One archive and how far it has got under OUT."""

    archive: Archive
    url: str
    out: Path

    @property
    def target(self) -> Path:
        return self.out / self.archive.unpack_to

    @property
    def file(self) -> Path:
        return self.out / self.archive.file

    @property
    def part(self) -> Path:
        return self.out / f"{self.archive.file}.part"

    def state(self) -> tuple[str, int]:
        """('unpacked' | 'downloaded' | 'partial' | 'missing', bytes still to fetch)."""
        if self.target.is_dir():
            return "unpacked", 0
        if self.file.is_file():
            return "downloaded", 0
        if self.part.is_file():
            return "partial", max(self.archive.size - self.part.stat().st_size, 0)
        return "missing", self.archive.size


def plan(manifest: Manifest, out: Path, base_url: str | None = None, only: list[str] | None = None) -> list[Step]:
    """The steps for the archives asked for (all of them unless `only` names some); ValueError on a wrong name."""
    names = [a.name for a in manifest.archives]
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        raise ValueError(f"--only {', '.join(unknown)}: not in {manifest.path} (it has {', '.join(names)})")
    base = base_url or manifest.base_url
    return [Step(a, a.url(base), Path(out)) for a in manifest.archives if not only or a.name in only]


def describe(steps: list[Step]) -> str:
    """What a run would do, in lines for the terminal (--dry-run): URLs, sizes, checksums, what is already there."""
    lines = []
    for step in steps:
        a = step.archive
        state, left = step.state()
        checksum = f"SHA-256 {a.sha256}" if a.sha256 else "no known SHA-256 (size, gzip CRC and file count checked)"
        doing = {"unpacked": f"already unpacked in {step.target}: nothing to do",
                 "downloaded": f"downloaded: unpack into {step.target}",
                 "partial": f"resume: {human(left)} of {human(a.size)} left, then unpack into {step.target}",
                 "missing": f"fetch {human(a.size)}, then unpack into {step.target}"}[state]
        lines += [f"{a.name}: {step.url}", f"  {a.size:,} bytes ({human(a.size)}), {checksum}", f"  {doing}"]
    to_fetch = sum(step.state()[1] for step in steps)
    lines.append(f"to fetch: {human(to_fetch)}; disk needed: about {human(disk_needed(steps))} "
                 "(each archive, and as much again while it is unpacked; archives are deleted once unpacked)")
    return "\n".join(lines)


def disk_needed(steps: list[Step]) -> int:
    """Bytes a run still needs at its peak: what is left to fetch plus the largest unpacked archive."""
    pending = [s for s in steps if s.state()[0] != "unpacked"]
    return sum(s.state()[1] for s in pending) + max((s.archive.size for s in pending), default=0)


def human(n: int) -> str:
    """Bytes for people: 1.3 GB, 1.1 MB."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def run(steps: list[Step], check_sha: bool = True, retries: int = 3, progress: bool = True) -> list[Path]:
    """Fetch, verify and unpack every step; the unpacked folders. FetchError / ArchiveError say what failed."""
    if not steps:
        return []
    out = steps[0].out
    out.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(out).free
    if free < disk_needed(steps):
        raise ArchiveError(f"{out} has {human(free)} free; this download needs about {human(disk_needed(steps))}")
    for step in steps:
        state, _ = step.state()
        if state == "unpacked":
            log.warning("%s: already unpacked in %s", step.archive.name, step.target)
            continue
        if state != "downloaded":
            fetch(step.url, step.part, step.archive.size, retries=retries, progress=progress)
            _accept(step.part, step, check_sha)
            os.replace(step.part, step.file)
        else:
            _accept(step.file, step, check_sha)
        try:
            unpack(step.file, step.archive, out)
        except ArchiveError:
            step.file.unlink(missing_ok=True)  # corrupt: the next run fetches it anew
            raise
        step.file.unlink()
    return [step.target for step in steps]


def _accept(path: Path, step: Step, check_sha: bool) -> None:
    """Verify a fetched archive; a wrong one is deleted (the next run fetches it anew) and reported."""
    try:
        verify(path, step.archive, check_sha)
    except ArchiveError as exc:
        path.unlink(missing_ok=True)
        raise ArchiveError(f"{step.url}: {exc}; the file was deleted, run again to fetch it anew") from None


def build_command(steps: list[Step], dataset: str = "data/openi-zh") -> str | None:
    """The `medqa.data build` command that reads what was unpacked, or None when no reports were fetched."""
    args = {}
    for step in steps:
        if step.archive.build_option and step.target.is_dir():
            args[step.archive.build_option] = step.target / step.archive.build_subfolder
    if "reports" not in args:
        return None
    parts = [sys.executable or "python", "-m", "medqa.data", "build", "--reports", str(args["reports"])]
    if "images-dir" in args:
        parts += ["--images-dir", str(args["images-dir"])]
    return shlex.join(parts + ["--out", dataset])
