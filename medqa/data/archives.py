"""The archives `python -m medqa.data download` fetches, read from a manifest file, and what is done with them.

The manifest (medqa/data/openi_archives.yaml, or `--manifest FILE`) lists each archive's file name,
size, SHA-256 when one is known, the folder it unpacks into and the files it must hold. This module
loads and checks it, verifies a downloaded archive, and unpacks one so that a half-unpacked folder never
looks complete: members go into a temporary folder beside the target, renamed to the target at the end.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

MANIFEST = Path(__file__).with_name("openi_archives.yaml")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CHUNK = 1 << 20


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file, the entry and the problem."""


class ArchiveError(RuntimeError):
    """A downloaded archive that is not what the manifest describes (size, checksum, contents)."""


@dataclass(frozen=True)
class Archive:
    """One archive of the manifest."""

    name: str
    file: str
    size: int
    sha256: str | None
    unpack_to: str
    expect: dict[str, int] = field(default_factory=dict)
    build_option: str | None = None  # the `medqa.data build` option the unpacked folder is given to
    build_subfolder: str = ""  # ... with this folder inside it

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + "/" + self.file


@dataclass(frozen=True)
class Manifest:
    """Where the archives are and which they are."""

    base_url: str
    archives: tuple[Archive, ...]
    path: Path


def load_manifest(path: str | Path = MANIFEST) -> Manifest:
    """Read and check a manifest; ManifestError names the file, the entry and what is wrong."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("archives"), list) or not data["archives"]:
        raise ManifestError(f"{path}: needs a base_url and a non-empty list of archives")
    base_url = data.get("base_url")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ManifestError(f"{path}: base_url must be an http(s) URL, got {base_url!r}")
    archives = tuple(_archive(entry, f"{path}: archive {i + 1}") for i, entry in enumerate(data["archives"]))
    for key in ("name", "file", "unpack_to"):
        values = [getattr(a, key) for a in archives]
        if len(set(values)) != len(values):
            raise ManifestError(f"{path}: two archives share a {key}")
    return Manifest(base_url, archives, path)


def _archive(entry: object, where: str) -> Archive:
    """One manifest entry, checked."""
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: must be a mapping of name, file, size, sha256, unpack_to, expect")
    unknown = set(entry) - {"name", "file", "size", "sha256", "unpack_to", "expect", "build"}
    if unknown:
        raise ManifestError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; the keys are name, file, size, "
                            "sha256, unpack_to, expect, build (see medqa/data/openi_archives.yaml)")
    for key in ("name", "file", "unpack_to"):
        if not isinstance(entry.get(key), str) or not _NAME.fullmatch(entry[key]):
            raise ManifestError(f"{where}: {key} must be a plain file name, got {entry.get(key)!r}")
    size, sha = entry.get("size"), entry.get("sha256")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ManifestError(f"{where} ({entry['name']}): size must be a positive number of bytes, got {size!r}")
    if sha is not None and not (isinstance(sha, str) and _SHA256.fullmatch(sha)):
        raise ManifestError(f"{where} ({entry['name']}): sha256 must be 64 lower-case hex digits or null")
    expect = entry.get("expect") or {}
    if not isinstance(expect, dict) or not all(isinstance(k, str) and isinstance(v, int) and v > 0
                                               for k, v in expect.items()):
        raise ManifestError(f"{where} ({entry['name']}): expect must map file patterns to positive counts")
    build = entry.get("build") or {}
    if not isinstance(build, dict) or set(build) - {"option", "subfolder"} or \
            build.get("option") not in (None, "reports", "images-dir"):
        raise ManifestError(f"{where} ({entry['name']}): build must be {{option: reports | images-dir, "
                            "subfolder: FOLDER}")
    return Archive(entry["name"], entry["file"], size, sha, entry["unpack_to"], dict(expect), build.get("option"),
                   str(build.get("subfolder") or ""))


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, archive: Archive, check_sha: bool = True) -> None:
    """ArchiveError unless `path` has the manifest's size and (when known and asked) its SHA-256."""
    size = path.stat().st_size
    if size != archive.size:
        raise ArchiveError(f"{path.name}: {size:,} bytes, the manifest says {archive.size:,}")
    if check_sha and archive.sha256:
        got = sha256_of(path)
        if got != archive.sha256:
            raise ArchiveError(
                f"{path.name}: SHA-256 {got} differs from the manifest's {archive.sha256} (the NLM publishes no "
                "checksum: the manifest's was recorded by others; if the NLM has repacked the archive, "
                "--skip-checksum accepts it, and its size, gzip CRC and file count are still checked)")


def unpack(path: Path, archive: Archive, out: Path) -> Path:
    """Unpack `path` into OUT/unpack_to through a temporary folder; ArchiveError when it is corrupt or short.

    Reading every member to the end checks the gzip CRC. Only regular files and folders are written,
    and only inside the target (no links, no absolute paths, no '..').
    """
    target = out / archive.unpack_to
    staging = out / f".{archive.unpack_to}.unpacking-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _extract(path, staging)
        _check_expected(staging, archive, path.name)
        os.rename(staging, target)
    except BaseException:  # corrupt, short, Ctrl-C: nothing that looks unpacked is left
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _extract(path: Path, dest: Path) -> None:
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
                    continue
                if member.isdir():
                    (dest / name).mkdir(parents=True, exist_ok=True)
                    continue
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                with source, open(dest / name, "wb") as f:
                    shutil.copyfileobj(source, f, _CHUNK)
            while tar.fileobj.read(_CHUNK):  # to the end of the gzip stream, whose CRC is checked there
                pass
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, tarfile.TarError) and exc.errno is not None:
            raise  # a disk error (full, permissions), not a corrupt archive
        raise ArchiveError(f"{path.name} is corrupt or incomplete ({exc}); delete it and download it again") from None


def _check_expected(folder: Path, archive: Archive, what: str) -> None:
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    for pattern, least in archive.expect.items():
        found = sum(1 for f in files if fnmatch.fnmatchcase(f, pattern))
        if found < least:
            raise ArchiveError(f"{what} holds {found} file(s) matching {pattern}, the manifest expects at least "
                               f"{least}")
