"""Checking every record of a data message against its DSD, codelists and constraints.

The validator turns reader records into staged rows (for the store) and
validation errors (for the report). It checks: key length and dimension
codes, codes within the Allowed constraints (DSD, dataflow, provision
agreement), time periods and their match with FREQ, numeric values,
attribute codes and mandatory attributes, and that attributes above the
observation level have one value per series/group/data set. Duplicates
inside a submission are found by the store (in SQL, with flat memory).

Per-series work is cached: a 1-million-row file with 100,000 series checks
each key once. SDMX-CSV rows take a fast lane (``csv_observations``): the
common row is checked from its cells against what the general path has
already accepted (the series, the period for its frequency, attribute
values), without building a record; any other row takes the general path,
which reports its errors, so both give the same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import orjson

from sdmx_server.domain.numbers import OVERFLOW_REASON, may_overflow, overflows
from sdmx_server.domain.periods import (
    Period,
    PeriodError,
    frequency_matches,
    parse_period,
    storage_bounds,
)
from sdmx_server.domain.safe_text import safe_text
from sdmx_server.readers.base import Action, DataRecord
from sdmx_server.readers.sdmx_csv import CsvRows
from sdmx_server.services.dsd_info import ComponentInfo, ConstraintInfo, DsdInfo
from sdmx_server.storage.staged import StagedAttributes, StagedObservation, StagedRow

_ACTION_CODES = {a: a.value for a in Action}
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_JSON_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
_FAST_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,299})(\.[0-9]{1,300})?\Z")
_SPECIAL = {"NaN": "NaN", "INF": "INF", "-INF": "-INF"}
# An observation may lack its value only where it says why (SDMX: the observation status or the
# confidentiality status), with one of these codes, in a DSD that has the attribute; or where it deletes.
MISSING_VALUE_STATUSES: dict[str, frozenset[str]] = {
    # SDMX CL_OBS_STATUS: M missing, data cannot exist; L missing, data exist but were not collected;
    # O missing (SDMX 2.0); Q missing, suppressed; H missing, holiday or weekend.
    "OBS_STATUS": frozenset({"M", "L", "O", "Q", "H"}),
    # SDMX CL_CONF_STATUS: C confidential, D secondary confidentiality, N not for publication.
    "CONF_STATUS": frozenset({"C", "D", "N"}),
}
_SLOW = object()  # the fast lane's "take the general path"
_NO_ERRORS: list[ValidationError] = []  # shared by every valid series check (never appended to)
_SERIES_CACHE = 100_000  # series checks kept (about 300 bytes each)
_STAGE_BATCH = 5000


@dataclass(frozen=True, slots=True)
class ValidationError:
    """One problem found in a submission."""

    location: str
    component: str
    value: str
    reason: str

    def __post_init__(self) -> None:
        # Reports are stored (PostgreSQL refuses NUL) and sent back: no control characters, bounded sizes.
        for name, limit in (
            ("location", 300),
            ("component", 200),
            ("value", 200),
            ("reason", 2000),
        ):
            text = getattr(self, name)
            if len(text) > limit or _UNSAFE_TEXT.search(text):
                object.__setattr__(self, name, safe_text(text, limit))

    def as_dict(self) -> dict[str, str]:
        """JSON form for reports."""
        return {
            "location": self.location,
            "component": self.component,
            "value": self.value,
            "reason": self.reason,
        }


def normalise_number(text: str) -> str | None:
    """A JSON-compatible lexical form of a number, or None if ``text`` is not one or overflows
    (:mod:`sdmx_server.domain.numbers`: refused, never stored as infinity)."""
    if _JSON_NUMBER.match(text):
        return None if may_overflow(text) and overflows(text) else text
    if text in _SPECIAL:
        return _SPECIAL[text]
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return None if overflows(text) else ("INF" if value > 0 else "-INF")
    return repr(value)


def number_error(text: str) -> str:
    """Why ``text`` is refused as a number."""
    return OVERFLOW_REASON if overflows(text) else "not a number"


@dataclass(slots=True)
class _SeriesCheck:
    errors: list[ValidationError]
    freq: str | None
    key_text: str = ""  # the series key as stored ("A.B.C")
    plain: bool = False  # no errors and every dimension given: the fast lane may take its rows
    bounds: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # the validator's periods known for freq
    upper: Any = (
        None  # SDMX-CSV: higher-level attribute cells of a row of this series already accepted
    )


@dataclass
class Validator:
    """Validates records of one submission against one dataflow."""

    info: DsdInfo
    on_error: Callable[[ValidationError], None]
    error_count: int = 0
    rows: int = 0
    _series_cache: dict[tuple[Any, ...], _SeriesCheck] = field(default_factory=dict)
    _period_cache: dict[str, tuple[Period, str, str] | str] = field(default_factory=dict)
    _freq_cache: dict[tuple[str, str], bool] = field(default_factory=dict)
    # Periods that passed every check, by frequency: period -> storage bounds (the fast lane's lookup).
    _bounds: dict[str | None, dict[str, tuple[str, str]]] = field(default_factory=dict)
    series_attrs: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)
    group_attrs: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)
    dataset_attrs: dict[str, str] = field(default_factory=dict)
    upper_attrs: list[StagedAttributes] = field(default_factory=list)
    # (series key, or "" for the data set; attribute) given with an invalid value: already an error,
    # so not reported again as missing.
    invalid_upper: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        info = self.info
        self._dims = info.dimensions
        self._dim_ids = info.dimension_ids
        self._canonical = {
            code: code for dim in info.dimensions if dim.codes is not None for code in dim.codes
        }
        self._dim_index = {d.id: n for n, d in enumerate(self._dims)}
        self._freq_index = self._dim_index.get(info.freq_dimension or "")
        self._obs_attrs = {a.id: a for a in info.attributes.values() if a.level == "obs"}
        self._mandatory_obs = [a.id for a in self._obs_attrs.values() if a.mandatory]
        self._numeric = info.numeric_measure
        self._measure = info.primary_measure
        # Per attribute, what each constraint allows: the union of its include regions (a region that
        # does not name the attribute allows every value); constraints apply together.
        self._attr_allowed: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for a in info.attributes.values():
            for constraint in info.constraints:
                includes = [r for r in constraint.regions if r.include]
                if includes and all(a.id in r.values for r in includes):
                    union = frozenset().union(*(r.values[a.id] for r in includes))
                    self._attr_allowed.setdefault(a.id, []).append((str(constraint.ref), union))
        # Coded observation-level attributes: the values that pass every check, in one set.
        self._obs_attr_values: dict[str, frozenset[str]] = {}
        for a in self._obs_attrs.values():
            if a.codes is None:
                continue
            allowed = set(a.codes)
            for _ref, values in self._attr_allowed.get(a.id, ()):
                allowed &= values
            self._obs_attr_values[a.id] = frozenset(allowed)

    def error(self, location: str, component: str, value: str, reason: str) -> None:
        """Report one error."""
        self.error_count += 1
        self.on_error(ValidationError(location, component, value, reason))

    # ------------------------------------------------------------------ keys

    def _check_series(self, key: tuple[str, ...], location: str, *, partial: bool) -> _SeriesCheck:
        errors: list[ValidationError] = []
        for dim, value in zip(self._dims, key, strict=True):
            if value == "":
                if not partial:
                    errors.append(ValidationError(location, dim.id, "", "missing dimension value"))
                continue
            if dim.codes is not None and value not in dim.codes:
                errors.append(
                    ValidationError(location, dim.id, value, f"not a code of {dim.codelist}")
                )
            elif dim.codes is None and "." in value:
                # '.' separates the values of a series key (stored and in REST paths).
                errors.append(
                    ValidationError(location, dim.id, value, "a key value cannot contain '.'")
                )
            elif dim.codes is None and _CONTROL.search(value):
                errors.append(
                    ValidationError(location, dim.id, value, "contains control characters")
                )
        if not errors and self.info.constraints:
            errors += self._check_constraints(
                dict(zip(self._dim_ids, key, strict=True)), location, partial
            )
        freq = key[self._freq_index] if self._freq_index is not None else None
        return _SeriesCheck(
            errors or _NO_ERRORS,
            freq or None,
            ".".join(key),
            not errors and "" not in key,
            self._bounds.setdefault(freq or None, {}),
        )

    def _check_constraints(
        self, values: dict[str, str], location: str, partial: bool
    ) -> list[ValidationError]:
        errors: list[ValidationError] = []
        for constraint in self.info.constraints:
            errors += _constraint_errors(constraint, values, location, partial)
        return errors

    def _cached_series(self, key: tuple[str, ...], location: str, partial: bool) -> _SeriesCheck:
        """The check of a series key, from the cache or made and cached now (nothing reported)."""
        # A partial key is checked differently (wildcards allowed): it has its own cache entry.
        cache_key: tuple[Any, ...] = (key, True) if partial else key
        check = self._series_cache.get(cache_key)
        if check is None:
            check = self._check_series(key, location, partial=partial)
            if len(self._series_cache) >= _SERIES_CACHE:
                # Memory stays bounded; the rows of a series mostly come together, so the keys
                # that matter next are the ones seen from now on.
                self._series_cache.clear()
            # Keyed by the codelists' own strings: the cells of the row that brought the key are freed.
            self._series_cache[
                tuple(map(self._canonical.get, cache_key, cache_key)) if not partial else cache_key
            ] = check
        return check

    def series(
        self, key: tuple[str, ...], location: str, *, partial: bool = False
    ) -> _SeriesCheck | None:
        """Check a series key (the check is cached per key; its errors are reported for every row)."""
        check = self._cached_series(key, location, partial)
        for e in check.errors:
            self.error(location, e.component, e.value, e.reason)
        return None if check.errors else check

    # ------------------------------------------------------------------ observations

    def period(self, text: str, location: str, freq: str | None) -> tuple[str, str] | None:
        """Parse and check a time period against the series' frequency; its storage bounds."""
        cached = self._period_cache.get(text)
        if cached is None:
            try:
                parsed = parse_period(text)
                cached = (parsed, *storage_bounds(parsed))
            except PeriodError as exc:
                cached = str(exc)
            if len(self._period_cache) < 100_000:
                self._period_cache[text] = cached
        if isinstance(cached, str):
            self.error(
                location,
                self.info.time_dimension or "TIME_PERIOD",
                text,
                f"not a valid time period: {cached}",
            )
            return None
        if freq is not None:
            ok = self._freq_cache.get((text, freq))
            if ok is None:
                ok = self._freq_cache[(text, freq)] = frequency_matches(cached[0], freq)
            if not ok:
                self.error(
                    location,
                    self.info.time_dimension or "TIME_PERIOD",
                    text,
                    f"does not match the frequency {freq}",
                )
                return None
        bounds = cached[1], cached[2]
        known = self._bounds.setdefault(freq, {})
        if len(known) < 100_000:
            known[text] = bounds
        return bounds

    def value(self, text: str | None, location: str) -> tuple[bool, str | None]:
        """Check OBS_VALUE; returns (ok, normalised value)."""
        if text is None or text == "":
            return True, None
        if self._numeric:
            number = normalise_number(text)
            if number is None:
                self.error(location, self._measure.id, text[:80], number_error(text))
                return False, None
            return True, number
        return _check_text(self, self._measure, text, location), text

    def attribute(self, comp: ComponentInfo, value: str, location: str) -> bool:
        """Check one attribute value against its codelist or format, and the constraints."""
        if comp.codes is not None:
            if value not in comp.codes:
                self.error(location, comp.id, value, f"not a code of {comp.codelist}")
                return False
        elif not _check_text(self, comp, value, location):
            return False
        for ref, allowed in self._attr_allowed.get(comp.id, ()):
            if value not in allowed:
                self.error(location, comp.id, value, f"not allowed by constraint {ref}")
                return False
        return True

    def observation(self, rec: DataRecord, row: int) -> StagedRow | StagedObservation | None:
        """Check one observation record: a staging row, a wildcard deletion, or None if it has errors
        (all of them reported)."""
        self.rows += 1
        loc = rec.location
        for comp_id, cell in rec.unknown.items():
            reason = (
                cell if comp_id == "__row__" else "not a component of " + str(self.info.dsd.ref)
            )
            self.error(
                loc,
                "" if comp_id == "__row__" else comp_id,
                "" if comp_id == "__row__" else cell,
                reason,
            )
        if "__row__" in rec.unknown and not rec.period and not any(rec.key):
            return (
                None  # the row could not be read (wrong cell count): its cells would only add noise
            )
        deleting = rec.action is Action.DELETE
        partial = deleting and "" in rec.key
        series = self.series(rec.key, loc, partial=partial)
        # Go on after a bad key: the report lists every problem of the row.
        ok = series is not None and not rec.unknown
        freq = series.freq if series is not None else self._freq_of(rec.key)
        bounds = None
        if rec.period:
            bounds = self.period(rec.period, loc, freq)
            ok = ok and bounds is not None
        elif not deleting and self.info.time_dimension:
            self.error(loc, self.info.time_dimension, "", "missing time period")
            ok = False
        value_ok, value = self.value(rec.value, loc) if not deleting else (True, None)
        # A Merge keeps the stored value where it gives none (it changes only what it gives).
        if (
            value_ok
            and value is None
            and not deleting
            and rec.action is not Action.MERGE
            and not self._says_why_missing(rec.attrs)
        ):
            self.error(loc, self._measure.id, "", self._missing_value_reason)
            value_ok = False
        ok = ok and value_ok
        obs_attrs, ok = self._split_attributes(rec, loc, ok, deleting)
        if not ok:
            return None
        if partial or (deleting and not rec.period):
            start, end = bounds or ("", "")
            return StagedObservation(
                row=row,
                action=rec.action,
                series_key=".".join(rec.key),
                key=rec.key,
                period=rec.period,
                period_start=start,
                period_end=end,
                value=None,
                attrs=None,
                location=loc,
            )
        assert bounds is not None
        return (
            row,
            _ACTION_CODES[rec.action],
            ".".join(rec.key),
            rec.period,
            bounds[0],
            bounds[1],
            value,
            orjson.dumps(obs_attrs, option=orjson.OPT_SORT_KEYS).decode() if obs_attrs else None,
            loc,
        )

    # ------------------------------------------------------------------ SDMX-CSV

    def csv_observations(
        self,
        rows: CsvRows,
        stage: Callable[[list[StagedRow]], None],
        wildcards: list[StagedObservation],
    ) -> None:
        """Check every row of an SDMX-CSV message; hand the staging rows to ``stage`` in batches.

        The common row is checked from its cells against what the general
        path has learnt (see :meth:`_csv_lane`); every other row, the first
        of each series included, goes through :meth:`observation`, which
        reports its errors. Both give the same staging rows.
        """
        lane, upper_of = self._csv_lane(rows)
        series_cache = self._series_cache
        batch: list[StagedRow] = []
        n = 0
        try:
            for location, row in rows:
                n += 1
                staged = lane(location, row, n) if lane is not None else None
                if staged is None:
                    rec = rows.record(location, row)
                    checked = self.observation(rec, n)
                    if checked is None:
                        continue
                    if isinstance(checked, StagedObservation):
                        wildcards.append(checked)
                        continue
                    staged = checked
                    if upper_of is not None and (check := series_cache.get(rec.key)) is not None:
                        # Later rows of this series that repeat these cells need no second look.
                        check.upper = upper_of(row)
                else:
                    self.rows += 1
                batch.append(staged)
                if len(batch) >= _STAGE_BATCH:
                    stage(batch)
                    batch = []
        finally:
            if batch:
                stage(batch)

    def _csv_lane(
        self, rows: CsvRows
    ) -> tuple[
        Callable[[str, list[str], int], StagedRow | None] | None, Callable[[list[str]], Any] | None
    ]:
        """A check of the common SDMX-CSV row (None when the layout has none), and the getter of its
        cells of attributes above the observation level (None when there are none).

        The common row has every cell where the header says (nothing to strip
        or translate), the first row's structure, an upsert action, a series
        key already found valid and complete, a period already found valid for
        the series' frequency, a JSON-compatible number or no value, valid
        coded observation attributes (the mandatory ones given), and the same
        cells of higher-level attributes as a row of the same series that the
        general path accepted (so they are valid and consistent). The check
        returns its staging row, or None: "take the general path".
        """
        obs_cols = [(name, col) for name, col in rows.attr_cols if name in self._obs_attrs]
        upper_cols = [col for name, col in rows.attr_cols if name not in self._obs_attrs]
        upper_of = itemgetter(*upper_cols) if upper_cols else None
        if (
            not rows.plain
            or rows.time_col is None
            or any(a not in dict(obs_cols) for a in self._mandatory_obs)
        ):
            return None, upper_of
        series_cache = self._series_cache
        width, key_of, time_col, measure_col = (
            rows.width,
            rows.key_of,
            rows.time_col,
            rows.measure_col,
        )
        action_col = rows.action_col
        actions = {
            "": "I",
            "I": "I",
            "A": "A",
            "R": "R",
            "M": "M",
        }  # D and anything else: general path
        structure_of = rows.structure_of
        # SDMX-CSV 1.0 has one structure column (DATAFLOW): compare the cell, not a tuple.
        structure_col = rows.structure_cols[0] if len(rows.structure_cols) == 1 else None
        # No exponent and few digits: a JSON number that never overflows (others take the general path).
        number = _FAST_NUMBER.match if self._numeric else None
        attrs_of = self._csv_attrs(obs_cols)
        cached_series = self._cached_series
        slow = _SLOW

        def lane(location: str, row: list[str], n: int) -> StagedRow | None:
            first = rows.first_structure
            if len(row) != width or first is None or rows.nul_cols:
                return None
            if (
                (row[structure_col] != first[0])
                if structure_col is not None
                else (structure_of(row) != first)
            ):
                return None
            code = "I" if action_col is None else actions.get(row[action_col])
            if code is None:
                return None
            key = key_of(row)
            check = series_cache.get(key)
            if check is None:
                check = cached_series(
                    key, location, False
                )  # a new series: its errors wait for the general path
            if not check.plain:
                return None
            if upper_of is not None and check.upper != upper_of(row):
                return None
            period = row[time_col]
            bounds = check.bounds.get(period)
            if bounds is None:
                return None
            value = row[measure_col] if measure_col is not None else ""
            if not value or number is None or number(value) is None:
                return (
                    None  # no value (allowed only with a status saying why) or a value to look at
                )
            attrs = attrs_of(row)
            if attrs is slow:
                return None
            return (
                n,
                code,
                check.key_text,
                period,
                bounds[0],
                bounds[1],
                value or None,
                attrs,
                location,
            )  # type: ignore[return-value]

        return lane, upper_of

    def _csv_attrs(
        self, obs_cols: list[tuple[str, int]]
    ) -> Callable[[list[str]], str | None | object]:
        """The observation-level attribute cells of a row as JSON (None if none given), or _SLOW.

        _SLOW when a value is not a valid coded value (or a mandatory
        attribute is missing): the general path checks and reports it.
        Cached per combination of cells.
        """
        if not obs_cols:
            return lambda row: None
        names = [name for name, _col in obs_cols]
        cols = [col for _name, col in obs_cols]
        getter = itemgetter(*cols)
        allowed, mandatory = self._obs_attr_values, self._mandatory_obs
        cache: dict[Any, str | None | object] = {}

        def compute(values: tuple[str, ...]) -> str | None | object:
            obs: dict[str, str] = {}
            for name, value in zip(names, values, strict=True):
                if not value:
                    continue
                codes = allowed.get(name)
                if codes is None or value not in codes:
                    return _SLOW
                obs[name] = value
            if any(a not in obs for a in mandatory):
                return _SLOW
            return orjson.dumps(obs, option=orjson.OPT_SORT_KEYS).decode() if obs else None

        def fill(got: Any) -> str | None | object:
            found = compute((got,) if len(cols) == 1 else got)
            if len(cache) < 65_536:
                cache[got] = found
            return found

        if len(cols) == 1:
            col = cols[0]
            return lambda row: cache[cell] if (cell := row[col]) in cache else fill(cell)
        return lambda row: cache[cells] if (cells := getter(row)) in cache else fill(cells)

    def _says_why_missing(self, attrs: dict[str, str]) -> bool:
        """True when an observation without a value says why (see :data:`MISSING_VALUE_STATUSES`)."""
        for attr_id, codes in MISSING_VALUE_STATUSES.items():
            if attrs.get(attr_id) in codes and attr_id in self.info.attributes:
                return True
        return False

    @property
    def _missing_value_reason(self) -> str:
        statuses = [
            f"{a} {' or '.join(sorted(c))}"
            for a, c in MISSING_VALUE_STATUSES.items()
            if a in self.info.attributes
        ]
        why = f", or a status saying why it is missing ({'; '.join(statuses)})" if statuses else ""
        return f"missing observation value: give {self._measure.id}{why}"

    def _freq_of(self, key: tuple[str, ...]) -> str | None:
        if self._freq_index is None or self._freq_index >= len(key):
            return None
        freq = key[self._freq_index]
        dim = self._dims[self._freq_index]
        return freq if freq and (dim.codes is None or freq in dim.codes) else None

    def _split_attributes(
        self, rec: DataRecord, loc: str, ok: bool, deleting: bool
    ) -> tuple[dict[str, str], bool]:
        obs_attrs: dict[str, str] = {}
        upper: dict[str, dict[str, str]] = {}
        fast = self._obs_attr_values
        for attr_id, value in rec.attrs.items():
            allowed = fast.get(attr_id)
            if allowed is not None and value in allowed:
                obs_attrs[attr_id] = value  # the common case: a valid coded observation attribute
                continue
            comp = self.info.attributes.get(attr_id)
            if comp is None:
                self.error(loc, attr_id, value, f"not an attribute of {self.info.dsd.ref}")
                ok = False
                continue
            if not self.attribute(comp, value, loc):
                self._note_invalid(comp, rec.key, attr_id)
                ok = False
                continue
            if comp.level == "obs":
                obs_attrs[attr_id] = value
            else:
                upper.setdefault(comp.level + ":" + (comp.group or ""), {})[attr_id] = value
        if not deleting and self._mandatory_obs:
            for attr_id in self._mandatory_obs:
                if attr_id not in obs_attrs and attr_id not in rec.attrs:
                    self.error(loc, attr_id, "", "mandatory attribute missing")
                    ok = False
        for target, values in upper.items():
            ok = self._upper(target, values, rec, loc) and ok
        return obs_attrs, ok

    def _upper(self, target: str, values: dict[str, str], rec: DataRecord, loc: str) -> bool:
        level, _, group = target.partition(":")
        if level == "dataset":
            return self._consistent(self.dataset_attrs, values, loc, "the data set")
        key = ".".join(rec.key)
        if level == "group":
            dims = self.info.groups.get(group, ())
            key = (
                group
                + ":"
                + ".".join(rec.key[self._dim_index[d]] for d in dims if d in self._dim_index)
            )
            store = self.group_attrs
        else:
            store = self.series_attrs
        current = store.get(key)
        if current is None:
            store[key] = (dict(values), loc)
            return True
        return self._consistent(current[0], values, loc, f"{level} {key}")

    def _consistent(
        self, held: dict[str, str], values: dict[str, str], loc: str, where: str
    ) -> bool:
        ok = True
        for attr_id, value in values.items():
            previous = held.get(attr_id)
            if previous is None:
                held[attr_id] = value
            elif previous != value:
                self.error(
                    loc, attr_id, value, f"conflicts with {previous!r} given earlier for {where}"
                )
                ok = False
        return ok

    # ------------------------------------------------------------------ other levels

    def upper_record(self, rec: DataRecord) -> None:
        """A dataset, group or series record of an SDMX-ML message: its attributes."""
        if rec.kind == "series":
            self.series(rec.key, rec.location, partial=rec.action is Action.DELETE)
        for comp_id, value in rec.unknown.items():
            self.error(rec.location, comp_id, value, "not a component of " + str(self.info.dsd.ref))
        for attr_id, value in rec.attrs.items():
            comp = self.info.attributes.get(attr_id)
            if comp is None:
                self.error(rec.location, attr_id, value, f"not an attribute of {self.info.dsd.ref}")
            elif self.attribute(comp, value, rec.location):
                level = comp.level
                if level == "obs":
                    continue  # presented above its level: the observations carry it
                self._upper(level + ":" + (comp.group or ""), {attr_id: value}, rec, rec.location)
            else:
                self._note_invalid(comp, rec.key, attr_id)

    def _note_invalid(self, comp: ComponentInfo, key: Sequence[str], attr_id: str) -> None:
        if comp.level == "series":
            self.invalid_upper.add((".".join(key), attr_id))
        elif comp.level == "dataset":
            self.invalid_upper.add(("", attr_id))
        elif comp.level == "group" and comp.group:
            dims = self.info.groups.get(comp.group, ())
            if len(key) == len(self._dims):
                gkey = ".".join(key[self._dim_index[d]] for d in dims if d in self._dim_index)
                self.invalid_upper.add((comp.group + ":" + gkey, attr_id))


def _check_text(v: Validator, comp: ComponentInfo, value: str, location: str) -> bool:
    if _CONTROL.search(value):
        v.error(
            location,
            comp.id,
            value.encode("unicode_escape").decode()[:80],
            "contains control characters",
        )
        return False
    facets = comp.facets
    max_len = facets.get("maxLength")
    if max_len is not None and len(value) > int(max_len):
        v.error(location, comp.id, value[:80], f"longer than {max_len} characters")
        return False
    min_len = facets.get("minLength")
    if min_len is not None and len(value) < int(min_len):
        v.error(location, comp.id, value, f"shorter than {min_len} characters")
        return False
    pattern = facets.get("pattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        v.error(location, comp.id, value, f"does not match the pattern {pattern}")
        return False
    if comp.text_type in ("Integer", "Long", "Short", "BigInteger", "Count") and not re.fullmatch(
        r"-?\d+", value
    ):
        v.error(location, comp.id, value, f"not an integer ({comp.text_type})")
        return False
    if comp.text_type in ("Double", "Float", "Decimal") and normalise_number(value) is None:
        v.error(location, comp.id, value[:80], f"{number_error(value)} ({comp.text_type})")
        return False
    return True


def _constraint_errors(
    constraint: ConstraintInfo, values: dict[str, str], location: str, partial: bool
) -> list[ValidationError]:
    """Errors for a (full or partial) key against one Allowed constraint."""
    errors: list[ValidationError] = []
    includes = [r for r in constraint.regions if r.include]
    for region in constraint.regions:
        if region.include:
            continue
        if region.values and all(
            values.get(c) in vs for c, vs in region.values.items() if c in values
        ):
            errors.append(
                ValidationError(
                    location,
                    ",".join(region.values),
                    ".".join(values.values()),
                    f"excluded by constraint {constraint.ref}",
                )
            )
    if includes:
        best: list[ValidationError] | None = None
        for region in includes:
            found = []
            for comp_id, value in values.items():
                if value == "" and partial:
                    continue
                allowed = region.values.get(comp_id)
                if allowed is not None and value not in allowed:
                    found.append(
                        ValidationError(
                            location, comp_id, value, f"not allowed by constraint {constraint.ref}"
                        )
                    )
                excluded = region.excluded.get(comp_id)
                if excluded is not None and value in excluded:
                    found.append(
                        ValidationError(
                            location, comp_id, value, f"excluded by constraint {constraint.ref}"
                        )
                    )
            if not found:
                best = None
                break
            if best is None or len(found) < len(best):
                best = found
        errors += best or []
    for include, keys in constraint.key_sets:
        matches = any(all(values.get(c) == v for c, v in k.items() if c in values) for k in keys)
        if include and not matches and not partial:
            errors.append(
                ValidationError(
                    location,
                    "key",
                    ".".join(values.values()),
                    f"not among the keys allowed by constraint {constraint.ref}",
                )
            )
        if not include and matches:
            errors.append(
                ValidationError(
                    location,
                    "key",
                    ".".join(values.values()),
                    f"excluded by constraint {constraint.ref}",
                )
            )
    return errors


def dumps(obj: Any) -> str:
    """Compact JSON text."""
    return orjson.dumps(obj).decode()
