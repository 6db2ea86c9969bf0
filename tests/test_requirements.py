"""requirements-floor.txt is the lowest set requirements.txt allows, so CI's second run tests the real floors."""

from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]


def requirements(name: str) -> dict[str, Requirement]:
    """The requirements of one file by canonical name (comments and -r lines left out)."""
    out = {}
    for line in (REPO / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            out[canonicalize_name(requirement.name)] = requirement
    return out


def test_every_requirement_is_pinned_at_its_floor():
    pins = requirements("requirements-floor.txt")
    floors = {name: Version(next(iter(r.specifier)).version) for name, r in pins.items()}
    for name, requirement in requirements("requirements.txt").items():
        assert name in floors, f"{name} has no pin in requirements-floor.txt"
        assert requirement.specifier.contains(floors[name]), f"{name}=={floors[name]} is not allowed by {requirement}"
        lowest = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
        assert lowest == [floors[name]], f"{requirement}: its floor is tested at {floors[name]}; make them equal"


def test_the_floor_file_pins_exact_versions():
    for name, requirement in requirements("requirements-floor.txt").items():
        assert [s.operator for s in requirement.specifier] == ["=="], f"{name}: pin it with =="
