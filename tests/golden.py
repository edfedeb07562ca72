"""Golden files: compare bytes with a committed file, or rewrite the file when asked.

``UPDATE_GOLDEN=1`` rewrites every golden file a test compares with (and creates missing ones); the
test then passes. Review the changed files with ``git diff`` before committing them: a golden file is
the statement of what a writer must produce, byte for byte.

    UPDATE_GOLDEN=1 .venv/bin/python -m scripts.run_tests --sqlite-only -n 0 tests/unit/test_data_writers_golden.py
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _readable(body: bytes) -> list[str]:
    """Lines for a diff: XML and JSON written on one line are cut between elements and members."""
    text = body.decode("utf-8", errors="replace")
    if "\n" not in text.rstrip("\n"):
        text = re.sub(r"(>)(<)", r"\1\n\2", text)
        text = re.sub(r'(\},|\],)(")', r"\1\n\2", text)
    return text.splitlines(keepends=True)


def assert_golden(path: Path, body: bytes) -> None:
    """Fail unless ``body`` is byte for byte the content of ``path`` (rewrite it under UPDATE_GOLDEN=1)."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != body:
            path.write_bytes(body)
        return
    assert path.exists(), f"{path} is missing; write it with UPDATE_GOLDEN=1 (see tests/golden.py)"
    expected = path.read_bytes()
    if body == expected:
        return
    diff = "".join(
        difflib.unified_diff(
            _readable(expected), _readable(body), f"{path.name} (golden)", "written", n=2
        )
    )
    raise AssertionError(
        f"{path} differs from what the writer wrote ({len(expected)} bytes golden, {len(body)} "
        f"written); if the change is intended, rerun with UPDATE_GOLDEN=1 and review git diff\n"
        + diff[:8000]
    )
