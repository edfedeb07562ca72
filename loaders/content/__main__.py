"""``python -m loaders.content [--out DIR] [--check]``: regenerate the shipped content."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from loaders.content import generate_all
from loaders.content.common import REPO_ROOT

GENERATED_DIRS = ("codelists", "dsd", "data/sample")


def main(argv: list[str] | None = None) -> int:
    """Write every generated file under --out (default: the repository), or compare with --check."""
    parser = argparse.ArgumentParser(prog="python -m loaders.content", description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT, help="output root (default: the repository)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a file under --out differs or is missing or extra",
    )
    args = parser.parse_args(argv)
    out = generate_all()
    if args.check:
        problems = check(out, args.out)
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    for path in out.write(args.out):
        print(path)
    return 0


def check(out: object, root: Path) -> list[str]:
    """Differences between the generated files and those under ``root``."""
    from loaders.content.common import Outputs

    assert isinstance(out, Outputs)
    problems = []
    expected = {f.path: f.data for f in out.files}
    for rel, data in expected.items():
        target = root / rel
        if not target.exists():
            problems.append(f"missing: {rel}")
        elif target.read_bytes() != data:
            problems.append(f"differs: {rel}")
    for folder in GENERATED_DIRS:
        for p in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
            rel = p.relative_to(root).as_posix()
            if p.is_file() and rel not in expected:
                problems.append(f"not generated: {rel}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
