"""The repository holds everything its tests and its content generation read.

Two checks: no tracked file names the material kept beside the project
during development (its ``shared`` folder), and a clone of HEAD into an empty
folder, with nothing beside it, collects the whole suite and passes a few
tests that read specimens and generation sources.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Built from parts so that this file does not match its own pattern.
_NAME = "sha" + "red"
FORBIDDEN = re.compile(rf"(\.\./|/work/){_NAME}\b|\b{_NAME}/(fixtures|data|reference|hooks)\b")


def _repository_files() -> list[Path]:
    """Every file git tracks or would track (untracked, not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    return [ROOT / p for p in out.decode().split("\0") if p and (ROOT / p).is_file()]


def _has_git() -> bool:
    return shutil.which("git") is not None and (ROOT / ".git").exists()


@pytest.mark.skipif(not _has_git(), reason="not a git checkout")
def test_no_file_references_the_shared_folder() -> None:
    offenders = []
    for path in _repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not offenders, "files naming the development-only shared folder:\n" + "\n".join(
        offenders
    )


# A few tests that read every kind of copied file: SDMX-ML 2.1 and 3.0 and
# SDMX-CSV 2.0 specimens, the ILOSTAT structure; and the shipped content
# regenerated from loaders/content/sources.
CLONE_TESTS = [
    "tests/unit/test_readers_sniff.py",
    "tests/unit/test_readers_csv.py",
    "tests/project/test_self_contained.py::test_no_file_references_the_shared_folder",
]


@pytest.mark.slow
@pytest.mark.skipif(not _has_git(), reason="not a git checkout")
def test_a_fresh_clone_needs_nothing_outside_the_repository(tmp_path: Path) -> None:
    clone = tmp_path / "clone"  # tmp_path is empty: nothing beside the clone
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]
    # The clone's own code first, ahead of this checkout's editable install.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SDMX_SERVER_") or k.startswith("SDMX_SERVER_TEST")
    }
    env.update(PYTHONPATH=str(clone), HOME=str(tmp_path / "home"), PYTHONDONTWRITEBYTECODE="1")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=clone, env=env, capture_output=True, text=True, timeout=600
        )

    where = run(
        "-c",
        "import sdmx_server.cli, loaders.content, tests.fixtures as f; print(sdmx_server.cli.__file__, loaders.content.__file__, f.__file__)",
    )
    assert where.returncode == 0, where.stderr
    assert all(Path(p).is_relative_to(clone) for p in where.stdout.split()), where.stdout

    collected = run("-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert re.search(r"^\d+ tests collected", collected.stdout, re.M), collected.stdout[-500:]

    # Not the slow ones: they generate their own input (no copied file) and run in the suite itself.
    ran = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "-m", "not slow", *CLONE_TESTS)
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "skipped" not in ran.stdout.splitlines()[-1], ran.stdout[-500:]

    generated = run("-m", "loaders.content", "--check")
    assert generated.returncode == 0, generated.stdout[-2000:] + generated.stderr[-2000:]


@pytest.mark.skipif(not _has_git(), reason="not a git checkout")
def test_no_stray_files_at_the_repository_root() -> None:
    """Scratch output (such as a saved answer, o.txt) is not committed at the root."""
    root_files = {p.name for p in _repository_files() if p.parent == ROOT}
    assert not {n for n in root_files if n.endswith((".txt", ".out", ".log", ".tmp"))}, root_files
