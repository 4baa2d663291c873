"""What pyproject.toml and the requirements promise matches what installs: the Python floor, the licence, the
distributions the tests import."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins() -> dict[str, str]:
    """constraints.txt's exact versions, by canonical name."""
    lines = [line.split("#")[0].strip() for line in (ROOT / "constraints.txt").read_text().splitlines()]
    pairs = (line.split("==", 1) for line in lines if "==" in line)
    return {canonicalize_name(name): version for name, version in pairs}


def lowest_python(specifier: str) -> Version:
    """The lowest Python 3 release (3.x.y) that a Requires-Python specifier admits."""
    admitted = SpecifierSet(specifier)
    for minor in range(0, 40):
        for patch in range(0, 30):
            if Version(f"3.{minor}.{patch}") in admitted:
                return Version(f"3.{minor}.{patch}" if patch else f"3.{minor}")
    raise AssertionError(f"{specifier!r} admits no Python 3.0 to 3.39")


def test_lowest_python_reads_any_specifier():
    assert lowest_python(">=3.10") == Version("3.10")
    assert lowest_python(">3.10") == Version("3.10.1")
    assert lowest_python("~=3.11") == Version("3.11")
    assert lowest_python(">=3.9,!=3.9.*,!=3.10.*") == Version("3.11")
    assert lowest_python(">=3.11.5") == Version("3.11.5")


def test_requires_python_floor_installs_every_pinned_distribution():
    """`make setup` installs constraints.txt's versions: each must accept requires-python's lowest Python."""
    floor = lowest_python(PYPROJECT["project"]["requires-python"])
    refused = []
    for name, pinned in pins().items():
        try:
            installed = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # pinned for another platform or Python
        needs = installed.metadata["Requires-Python"]
        if installed.version == pinned and needs and floor not in SpecifierSet(needs):
            refused.append(f"{name}=={pinned} requires Python {needs}")
    assert not refused, (
        f"pyproject.toml's requires-python {PYPROJECT['project']['requires-python']!r} admits Python {floor}, but "
        f"{'; '.join(refused)}: raise the floor (pyproject.toml, README, docs/workshop.md) or pin older releases"
    )


def test_readme_and_workshop_guide_state_the_floor():
    floor = lowest_python(PYPROJECT["project"]["requires-python"])
    assert f"Python ≥ {floor}" in (ROOT / "README.md").read_text()
    assert f"Python ≥ {floor}" in (ROOT / "docs" / "workshop.md").read_text()


def test_the_licence_pyproject_names_is_shipped():
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License\n") and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def declared() -> set[str]:
    """The distributions requirements.txt and requirements-dev.txt name."""
    names = set()
    for file in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / file).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-"):
                names.add(canonicalize_name(Requirement(line).name))
    return names


def imported_by_tests() -> dict[str, str]:
    """The installed distributions that tests/ and conftest.py import directly, each with one file that does."""
    modules: dict[str, str] = {}
    for path in [ROOT / "conftest.py", *sorted((ROOT / "tests").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found = [node.module]
            else:
                continue
            for module in found:
                modules.setdefault(module.split(".")[0], str(path.relative_to(ROOT)))
    providers = importlib.metadata.packages_distributions()
    own = canonicalize_name(PYPROJECT["project"]["name"])
    return {
        canonicalize_name(distribution): where
        for module, where in modules.items()
        if module not in sys.stdlib_module_names
        for distribution in providers.get(module, [])  # none: a module of this repository (scripts/, tests/)
        if canonicalize_name(distribution) != own
    }


def test_every_distribution_the_tests_import_is_declared():
    missing = {name: where for name, where in imported_by_tests().items() if name not in declared()}
    assert not missing, f"imported by the tests but in neither requirements file: {missing}"
    assert "pyyaml" in imported_by_tests(), "the check reads the tests' imports"
