"""Numbers as SDMX data carry them: decimal text, plus ``INF``, ``-INF`` and ``NaN``.

The rule (the same for every input format): a number that a 64-bit float
cannot hold (``1e400``, ``-1e400``, ``1e99999999``, 400 digits) is refused
with a validation error; it is never stored verbatim (JSON readers would take
it for infinity) nor turned silently into ``INF``. Infinity and not-a-number
are written ``INF``, ``-INF`` and ``NaN``, as SDMX allows.
"""

from __future__ import annotations

import math

OVERFLOW_REASON = (
    "out of range: larger than a 64-bit floating-point number can hold "
    "(write INF or -INF for an infinite value)"
)
_INFINITY_WORDS = frozenset({"inf", "infinity"})
_DIGITS_THAT_ALWAYS_FIT = 300  # 10**300 < 1.8e308: shorter texts without an exponent never overflow


def may_overflow(text: str) -> bool:
    """Cheap test: False when ``text`` certainly does not overflow (no exponent, few digits)."""
    return len(text) > _DIGITS_THAT_ALWAYS_FIT or "e" in text or "E" in text


def overflows(text: str) -> bool:
    """True when ``text`` is a finite decimal number too large for a 64-bit float."""
    if not may_overflow(text) and text.strip().lstrip("+-").lower() not in _INFINITY_WORDS:
        return False
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isinf(value) and text.strip().lstrip("+-").lower() not in _INFINITY_WORDS


def is_finite_json_number(text: str) -> bool:
    """True when ``text`` (a JSON-compatible number) parses to a finite value: safe to write as JSON."""
    return not may_overflow(text) or not overflows(text)
