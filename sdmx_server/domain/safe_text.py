"""Text from a client made safe to store and to show back (error reports, audit details).

PostgreSQL's ``text`` and ``jsonb`` refuse U+0000, and JSON and XML answers
should not carry other control characters either: they are written as
escapes (``\\x00``). Lengths are bounded so that one hostile value cannot
make a report or an audit event arbitrarily large.
"""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    return (
        f"\\x{ord(match.group()):02x}"
        if ord(match.group()) < 0x100
        else f"\\u{ord(match.group()):04x}"
    )


def safe_text(text: str, limit: int = 1000) -> str:
    """``text`` with control characters (NUL included) escaped, cut to ``limit`` characters (and "...")."""
    if len(text) > limit:
        text = text[:limit] + "..."
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def safe_json(value: Any, limit: int = 1000) -> Any:
    """A JSON-able value with every string (keys too) made safe by :func:`safe_text`."""
    if isinstance(value, str):
        return safe_text(value, limit)
    if isinstance(value, dict):
        return {safe_text(str(k), 200): safe_json(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_json(v, limit) for v in value]
    return value
