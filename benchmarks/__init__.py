"""Benchmarks that measure the speed and memory figures the issues name (run with ``python -m benchmarks``)."""
