"""The SDMX grammars of identifiers and versions, and the lengths the store can hold.

* ids (``IDType``): ``[A-Za-z0-9_@$\\-]+`` (ASCII only);
* agency ids: ids joined by ``.`` for nested agencies (``IMF.RES``, ``OECD.DAF``);
* versions: ``1``, ``1.0``, ``2.1.3``, and SDMX 3.0 semantic versions with an
  extension (``1.0.0-draft``);
* nested category ids: ids joined by ``.`` (the stored path).

Everything a structure message names is checked before anything is stored,
whatever the path (HTTP or the command line), so that what is stored can be
addressed in a URL and fits its column on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sdmx_server.domain.model import Artefact, ArtefactType, ItemRef, MaintainableRef

ID_PATTERN = re.compile(r"[A-Za-z0-9_@$\-]+\Z")
AGENCY_PATTERN = re.compile(r"[A-Za-z0-9_@$\-]+(\.[A-Za-z0-9_@$\-]+)*\Z")
VERSION_PATTERN = re.compile(r"[0-9]+(\.[0-9]+)*(-[0-9A-Za-z][0-9A-Za-z.\-]*)?\Z")
# References may also use SDMX 3.0 wildcarded versions (1.0+, 1.3+.0, *, ~).
REF_VERSION_PATTERN = re.compile(r"[0-9A-Za-z.+*~\-]+\Z")
NESTED_ID_PATTERN = AGENCY_PATTERN  # nested category paths: ids joined by "."

# Column sizes (storage/tables.py): artefact agency and id 255, version 64, item paths 512.
MAX_ID = 255
MAX_VERSION = 64
MAX_ITEM_PATH = 512


def _shown(value: str) -> str:
    text = value if len(value) <= 60 else value[:60] + "..."
    return repr(text)


def id_problem(value: str, what: str, *, nested: bool = False, limit: int = MAX_ID) -> str | None:
    """Why ``value`` is not a valid id (``nested``: ids joined by "."), or None."""
    pattern = NESTED_ID_PATTERN if nested else ID_PATTERN
    if not isinstance(value, str) or not pattern.match(value):
        grammar = (
            "ids joined by '.'" if nested else "letters A-Z a-z, digits, '_', '@', '$' and '-'"
        )
        return f"{what} {_shown(str(value))} is not a valid SDMX id ({grammar})"
    if len(value) > limit:
        return f"{what} {_shown(value)} is {len(value)} characters long; at most {limit} are stored"
    return None


def agency_problem(value: str, what: str = "agency") -> str | None:
    """Why ``value`` is not a valid (possibly nested) agency id, or None."""
    return id_problem(value, what, nested=True)


def version_problem(value: str, what: str = "version", *, reference: bool = False) -> str | None:
    """Why ``value`` is not a valid SDMX version (``1.0``, ``1.0.0``, ``1.0.0-draft``; in a
    ``reference`` also a wildcarded one), or None."""
    pattern = REF_VERSION_PATTERN if reference else VERSION_PATTERN
    if not isinstance(value, str) or not pattern.match(value):
        return f"{what} {_shown(str(value))} is not a valid SDMX version (e.g. 1.0, 1.0.0, 1.0.0-draft)"
    if len(value) > MAX_VERSION:
        return f"{what} {_shown(value)} is {len(value)} characters long; at most {MAX_VERSION} are stored"
    return None


def ref_problems(ref: MaintainableRef, what: str) -> Iterator[str]:
    """Problems with the agency, id and version of a reference."""
    for problem in (
        agency_problem(ref.agency, f"{what} agency"),
        id_problem(ref.id, f"{what} id"),
        version_problem(ref.version, f"{what} version", reference=True),
    ):
        if problem:
            yield problem


def _walk(value: Any, path: str) -> Iterator[str]:
    """Problems of every reference and id inside an artefact's details (any depth)."""
    if isinstance(value, MaintainableRef):
        yield from ref_problems(value, f"reference {path}")
        return
    if isinstance(value, ItemRef):
        yield from ref_problems(value.scheme, f"reference {path}")
        nested = value.scheme.type is ArtefactType.CATEGORY_SCHEME
        problem = id_problem(
            value.item_id, f"reference {path} item", nested=nested, limit=MAX_ITEM_PATH
        )
        if problem:
            yield problem
        return
    if isinstance(value, list | tuple):
        for n, v in enumerate(value):
            yield from _walk(v, f"{path}[{n}]")
        return
    fields = getattr(type(value), "model_fields", None)
    if fields is None:
        return
    for name in fields:
        child = getattr(value, name)
        if name == "id" and isinstance(child, str) and path:
            problem = id_problem(child, f"{path} id")
            if problem:
                yield problem
        elif (
            name in ("dimensions", "group")
            and isinstance(child, list | str)
            and path.endswith("relationship")
        ):
            for dim in [child] if isinstance(child, str) else child:
                if isinstance(dim, str) and (problem := id_problem(dim, f"{path} {name}")):
                    yield problem
        elif name != "annotations":
            yield from _walk(child, f"{path}.{name}" if path else name)


def artefact_problems(artefact: Artefact) -> list[str]:
    """Every identifier of ``artefact`` that breaks the SDMX grammars or the stored lengths."""
    problems = [
        p
        for p in (
            agency_problem(artefact.agency, "agency"),
            id_problem(artefact.id, "id"),
            version_problem(artefact.version),
        )
        if p
    ]
    nested = artefact.type is ArtefactType.CATEGORY_SCHEME
    for item in artefact.items:
        problem = id_problem(
            item.id, "item id", nested=nested, limit=MAX_ITEM_PATH if nested else MAX_ID
        )
        if problem:
            problems.append(problem)
        if item.parent is not None and (
            problem := id_problem(
                item.parent, f"parent of item {item.id[:60]}", nested=nested, limit=MAX_ITEM_PATH
            )
        ):
            problems.append(problem)
        if item.core_representation is not None:
            problems += _walk(item.core_representation, f"core representation of {item.id[:60]}")
    if artefact.details is not None:
        problems += _walk(artefact.details, "")
    return problems
