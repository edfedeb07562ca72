"""Mandatory attributes above the observation level: given in the submission or already stored.

Observation-level attributes are checked row by row by the validator; these
need the store, so they run on the staged rows inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from sdmx_server.services.data_validation import ValidationError, Validator
from sdmx_server.services.dsd_info import DsdInfo
from sdmx_server.storage import data_write_repo as wr

Collect = Callable[[ValidationError], None]


def check_mandatory_upper(
    session: Session, info: DsdInfo, validator: Validator, collect: Collect
) -> None:
    """Report every mandatory series, group or data-set attribute a submission leaves without a value.

    A series the message adds observations to needs a value for every
    mandatory series attribute, from this message or from what is stored (an
    append to a known series need not repeat them); likewise each group such a
    series belongs to, and the data set. An attribute given with an invalid
    value already has its error: it is not reported again.
    """
    series_attrs: list[str] = []
    dataset_attrs: list[str] = []
    group_attrs: dict[str, list[str]] = {}
    for attr in info.attributes.values():
        if not attr.mandatory:
            continue
        if attr.level == "series":
            series_attrs.append(attr.id)
        elif attr.level == "dataset":
            dataset_attrs.append(attr.id)
        elif attr.level == "group" and attr.group in info.groups:
            group_attrs.setdefault(attr.group, []).append(attr.id)
    if not (series_attrs or dataset_attrs or group_attrs):
        return
    staged = list(wr.staged_series(session))
    if series_attrs:
        _series(session, info, validator, collect, staged, series_attrs)
    if group_attrs:
        _groups(session, info, validator, collect, staged, group_attrs)
    if dataset_attrs and staged:
        _dataset(session, info, validator, collect, dataset_attrs)


def _series(
    session: Session,
    info: DsdInfo,
    validator: Validator,
    collect: Collect,
    staged: list[tuple[str, str]],
    mandatory: list[str],
) -> None:
    lacking: list[tuple[str, str, list[str]]] = []
    for key, loc in staged:
        given = validator.series_attrs.get(key)
        missing = [
            a
            for a in mandatory
            if (given is None or a not in given[0]) and (key, a) not in validator.invalid_upper
        ]
        if missing:
            lacking.append((key, loc, missing))
    if not lacking:
        return
    stored = wr.stored_upper_attributes(
        session, info.dataflow_pk, "series", [k for k, _l, _m in lacking]
    )
    for key, loc, missing in lacking:
        for attr_id in missing:
            if attr_id not in stored.get(key, {}):
                collect(
                    ValidationError(
                        loc,
                        attr_id,
                        "",
                        f"mandatory series attribute missing for series {key}: "
                        "neither given nor stored",
                    )
                )


def _groups(
    session: Session,
    info: DsdInfo,
    validator: Validator,
    collect: Collect,
    staged: list[tuple[str, str]],
    mandatory: dict[str, list[str]],
) -> None:
    dim_index = {d.id: n for n, d in enumerate(info.dimensions)}
    lacking: dict[
        str, tuple[str, list[str]]
    ] = {}  # group key -> (location of its first series, attributes)
    for key, loc in staged:
        parts = key.split(".")
        for group, attr_ids in mandatory.items():
            gkey = (
                group
                + ":"
                + ".".join(parts[dim_index[d]] for d in info.groups[group] if d in dim_index)
            )
            if gkey in lacking:
                continue
            held = validator.group_attrs.get(gkey)
            absent = [
                a
                for a in attr_ids
                if (held is None or a not in held[0]) and (gkey, a) not in validator.invalid_upper
            ]
            if absent:
                lacking[gkey] = (loc, absent)
    if not lacking:
        return
    stored = wr.stored_upper_attributes(session, info.dataflow_pk, "group", list(lacking))
    for gkey, (loc, absent) in lacking.items():
        for attr_id in absent:
            if attr_id not in stored.get(gkey, {}):
                collect(
                    ValidationError(
                        loc,
                        attr_id,
                        "",
                        f"mandatory group attribute missing for group {gkey}: "
                        "neither given nor stored",
                    )
                )


def _dataset(
    session: Session, info: DsdInfo, validator: Validator, collect: Collect, mandatory: list[str]
) -> None:
    missing = [
        a
        for a in mandatory
        if a not in validator.dataset_attrs and ("", a) not in validator.invalid_upper
    ]
    if not missing:
        return
    stored = wr.stored_upper_attributes(session, info.dataflow_pk, "dataset").get("", {})
    for attr_id in missing:
        if attr_id not in stored:
            collect(
                ValidationError(
                    "data set",
                    attr_id,
                    "",
                    "mandatory data set attribute missing: neither given nor stored",
                )
            )
