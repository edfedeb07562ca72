"""Prometheus metrics. With several workers, ``sdmx-server serve`` sets
``PROMETHEUS_MULTIPROC_DIR`` so that ``/metrics`` aggregates every worker."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _mp

REQUESTS = Counter("sdmx_http_requests_total", "HTTP requests", ["method", "family", "status"])
LATENCY = Histogram(
    "sdmx_http_request_duration_seconds",
    "Time to answer (until the response ends)",
    ["family"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
OBSERVATIONS_WRITTEN = Counter(
    "sdmx_observations_written_total", "Observations written by loads and submissions"
)


def observe_request(method: str, family: str, status: int, seconds: float) -> None:
    """Record one finished request."""
    REQUESTS.labels(method, family, str(status)).inc()
    LATENCY.labels(family).observe(seconds)


def render_metrics() -> tuple[bytes, str]:
    """The exposition text and its content type (aggregated over workers when multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _mp.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
