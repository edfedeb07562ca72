"""``python -m benchmarks {structure,data,push,burst,portal,all} [options]``: run a benchmark and print its figures.

structure: structure loading and query latency; data: load, streaming, one-series latency;
push: producers' pushes over HTTP; burst: wrk bursts of one-series queries at 8/64/256 connections
(pool exhaustion, recovery); portal: the explorer's page times and weights, chart drawing in
Chromium. See benchmarks/README.md.
"""

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
    if which in ("burst", "all"):
        from benchmarks import burst_bench

        failed += burst_bench.main(rest if which != "all" else [])
    if which in ("portal", "all"):
        from benchmarks import portal_bench

        failed += portal_bench.main(rest if which != "all" else [])
    if which not in ("structure", "data", "push", "burst", "portal", "all"):
        print(__doc__)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
