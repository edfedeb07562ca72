"""``python -m benchmarks {structure,data,push,portal,all} [options]``: run a benchmark and print its figures."""

from __future__ import annotations

import sys


def main() -> int:
    """Dispatch to one benchmark module."""
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    rest = sys.argv[2:]
    failed = 0
    if which in ("structure", "all"):
        from benchmarks import structure_bench

        failed += structure_bench.main(rest if which != "all" else [])
    if which in ("data", "all"):
        from benchmarks import data_bench

        failed += data_bench.main(rest if which != "all" else [])
    if which in ("push", "all"):
        from benchmarks import push_bench

        failed += push_bench.main(rest if which != "all" else [])
    if which in ("portal", "all"):
        from benchmarks import portal_bench

        failed += portal_bench.main(rest if which != "all" else [])
    if which not in ("structure", "data", "push", "portal", "all"):
        print(__doc__)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
