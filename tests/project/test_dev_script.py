"""``./dev``: supported Pythons, a venv of another Python rebuilt, ``./dev cli`` runs sdmx-server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

MINIMAL_PROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "dev-script-probe"
version = "0"
requires-python = ">=3.11"

[project.optional-dependencies]
test = []

[project.scripts]
sdmx-server = "probe:main"

[tool.setuptools]
py-modules = ["probe"]
"""


def test_requires_python_covers_311_to_313() -> None:
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    )
    assert all(v in spec for v in ("3.11.0", "3.12.5", "3.13.1"))
    assert "3.10.14" not in spec and "3.14.0" not in spec


@pytest.mark.slow
def test_dev_rebuilds_a_venv_of_another_python_and_runs_the_cli(tmp_path: Path) -> None:
    """A .venv whose interpreter is another version is replaced; ``./dev cli ARGS`` is ``sdmx-server ARGS``."""
    shutil.copy(ROOT / "dev", tmp_path / "dev")
    (tmp_path / "pyproject.toml").write_text(MINIMAL_PROJECT)
    (tmp_path / "probe.py").write_text(
        "import sys\n\ndef main():\n    print('probe', *sys.argv[1:])\n"
    )
    stale = tmp_path / ".venv" / "bin" / "python"  # a venv left by Python 3.9: its python says so
    stale.parent.mkdir(parents=True)
    stale.write_text("#!/bin/sh\necho '(3, 9)'\n")
    stale.chmod(0o755)
    interpreter = shutil.which(f"python3.{sys.version_info.minor}") or sys.executable
    env = dict(os.environ, PYTHON=interpreter)
    out = subprocess.run(
        ["./dev", "cli", "token", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    assert "made by Python (3, 9), not (3, " in out.stderr
    assert out.stdout.strip().splitlines()[-1] == "probe token list"
    version = subprocess.run(
        [str(stale), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == str(sys.version_info[:2])
    # a second run keeps the (now right) venv
    again = subprocess.run(
        ["./dev", "cli"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0 and "rebuilding" not in again.stderr
