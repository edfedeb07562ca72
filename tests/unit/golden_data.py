"""A hand-made dataflow, its data and the contexts the golden tests of the data writers write from.

The DSD has every kind of component a writer treats differently: coded dimensions (``FREQ``,
``REF_AREA``) and an uncoded one (``INDICATOR``), the time
dimension, a numeric measure (a text measure in :func:`text_info`), and attributes at every level,
coded and uncoded: ``DATA_SOURCE`` (data set), ``UNIT_MULT`` (group ``SIBLING``: ``REF_AREA`` and
``INDICATOR``), ``UNIT_MEASURE`` (series, every dimension), ``TITLE`` (series, related to ``FREQ`` and
``INDICATOR`` only: it stays on the series when ``REF_AREA`` is at the observation level),
``OBS_STATUS`` and ``OBS_COMMENT`` (observation). Values carry what must be escaped (``<&"'``) and
text in Arabic and French; some optional attributes are missing.

Rows are laid out as :mod:`sdmx_server.storage.data_read_repo` yields them (``data set key, series
pk, series key, period, value, OBS_STATUS, OBS_COMMENT``), ordered as the database orders them, in
several batches whose boundaries fall inside a series and between series. The levels of the
attributes follow :func:`sdmx_server.services.dsd_info.load_dsd_info`; the data set keys and
:class:`DatasetInfo` follow ``DataQueryService._context`` (``changes``: deleted or not; ``history``:
``"<valid from>|R"`` or ``"|D"``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    AttributeRelationship,
    Component,
    DataflowDetails,
    DsdDetails,
    Group,
    MaintainableRef,
)
from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.data_context import DataContext, DatasetInfo, Row
from sdmx_server.services.dsd_info import ComponentInfo, DsdInfo

PREPARED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
PUBLIC_URL = "http://golden.example"
AGENCY, FLOW, DSD = "LMIS", "DF_GOLD", "DSD_GOLD"
DIMS = ("FREQ", "REF_AREA", "INDICATOR")
OBS_ATTRS = ["OBS_STATUS", "OBS_COMMENT"]
PA = MaintainableRef(
    type=ArtefactType.PROVISION_AGREEMENT, agency=AGENCY, id="PA_GOLD", version="1.0"
)

UNEMPLOYMENT = "UNE_RT"  # a value of the uncoded dimension
DATASET_ATTRS = {"DATA_SOURCE": 'Enquête "emploi" & <recensement> — مسح القوى العاملة'}
GROUP_ATTRS = {  # the group key SIBLING:DZA.CHÔMAGE has no value (a missing optional attribute)
    "SIBLING:MAR.EMP": {"UNIT_MULT": "3"},
    "SIBLING:TUN.EMP": {"UNIT_MULT": "0"},
}
SERIES = {  # series pk -> key
    1: "A.MAR.EMP",
    2: "A.TUN.EMP",
    3: f"A.DZA.{UNEMPLOYMENT}",
    4: "M.MAR.EMP",
}
# TITLE is related to FREQ and INDICATOR only: series that differ only by REF_AREA share its value.
SERIES_ATTRS = {  # series 3 has no TITLE
    1: {"UNIT_MEASURE": "PCT", "TITLE": 'Taux d\'emploi — "Maroc" & <total>'},
    2: {"UNIT_MEASURE": "PCT", "TITLE": 'Taux d\'emploi — "Maroc" & <total>'},
    3: {"UNIT_MEASURE": "PERS"},
    4: {"UNIT_MEASURE": "PCT", "TITLE": "معدل التشغيل الشهري"},
}
# (series pk, period, value, OBS_STATUS, OBS_COMMENT), in the database's time-series order
OBSERVATIONS = [
    (3, "2020", "1200", "A", None),
    (3, "2021", "1250.5", "P", "Révisé : données « provisoires »"),
    (1, "2020", "41.2", "A", None),
    (1, "2021", "40.8", "E", "Estimate <provisional> & \"unrevised\" 'Q4'"),
    (2, "2020", "39.5", None, "تقدير أولي"),
    (2, "2021", "NaN", "M", None),
    (4, "2021-01", "40.1", "A", None),
    (4, "2021-02", "40.3", "A", None),
]
CODE_LABELS = {
    "en": {
        "FREQ": {"A": "Annual", "M": "Monthly"},
        "REF_AREA": {"MAR": "Morocco", "TUN": "Tunisia", "DZA": "Algeria"},
        "UNIT_MULT": {"0": "Units", "3": "Thousands"},
        "UNIT_MEASURE": {"PCT": "Percent", "PERS": "Persons"},
        "OBS_STATUS": {"A": "Normal", "E": "Estimated", "P": "Provisional", "M": "Missing"},
    },
    "fr": {
        "FREQ": {"A": "Annuelle", "M": "Mensuelle"},
        "REF_AREA": {"MAR": "Maroc", "TUN": "Tunisie", "DZA": "Algérie"},
        "UNIT_MULT": {"0": "Unités", "3": "Milliers"},
        "UNIT_MEASURE": {"PCT": "Pour cent", "PERS": "Personnes"},
        "OBS_STATUS": {"A": "Normale", "E": "Estimée", "P": "Provisoire", "M": "Manquante"},
    },
}
CODE_LABELS["ar"] = {  # partial: codes and components without an Arabic name have none
    "FREQ": {"A": "سنوي", "M": "شهري"},
    "REF_AREA": {"MAR": "المغرب", "TUN": "تونس"},
}
COMPONENT_NAMES = {
    "en": {
        "FREQ": "Frequency",
        "REF_AREA": "Reference area",
        "INDICATOR": "Indicator",
        "TIME_PERIOD": "Time period",
        "OBS_VALUE": "Observation value",
        "DATA_SOURCE": "Data source",
        "UNIT_MULT": "Unit multiplier",
        "UNIT_MEASURE": "Unit of measure",
        "TITLE": "Title",
        "OBS_STATUS": "Observation status",
        "OBS_COMMENT": 'Comment, "free" text',
    },
    "fr": {
        "FREQ": "Fréquence",
        "REF_AREA": "Zone de référence",
        "INDICATOR": "Indicateur",
        "TIME_PERIOD": "Période",
        "OBS_VALUE": "Valeur de l'observation",
        "DATA_SOURCE": "Source des données",
        "UNIT_MULT": "Multiplicateur d'unité",
        "UNIT_MEASURE": "Unité de mesure",
        "TITLE": "Titre",
        "OBS_STATUS": "Statut de l'observation",
        "OBS_COMMENT": "Commentaire",
    },
    "ar": {"FREQ": "التواتر", "REF_AREA": "المنطقة", "OBS_VALUE": "القيمة"},
}


def _attribute(id_: str, kind: str, **kw: Any) -> Component:
    return Component(
        id=id_,
        kind="attribute",
        assignment_status="Conditional",
        relationship=AttributeRelationship(kind=kind, **kw),  # type: ignore[arg-type]
    )


def info(measure_type: str | None = None, measure_id: str = "OBS_VALUE") -> DsdInfo:
    """The compiled dataflow (a numeric measure ``OBS_VALUE`` unless told otherwise)."""
    dsd_ref = MaintainableRef(
        type=ArtefactType.DATA_STRUCTURE, agency=AGENCY, id=DSD, version="1.0"
    )
    dimensions = [
        Component(id="FREQ", kind="dimension", position=1),
        Component(id="REF_AREA", kind="dimension", position=2),
        Component(id="INDICATOR", kind="dimension", position=3),
        Component(id="TIME_PERIOD", kind="time", position=4),
    ]
    attributes = [
        _attribute("DATA_SOURCE", "none"),
        _attribute("UNIT_MULT", "group", group="SIBLING"),
        _attribute("UNIT_MEASURE", "dimensions", dimensions=list(DIMS)),
        _attribute("TITLE", "dimensions", dimensions=["FREQ", "INDICATOR"]),
        _attribute("OBS_STATUS", "primary_measure"),
        _attribute("OBS_COMMENT", "primary_measure"),
    ]
    dsd = Artefact(
        type=ArtefactType.DATA_STRUCTURE,
        agency=AGENCY,
        id=DSD,
        version="1.0",
        names={"en": "Golden structure"},
        details=DsdDetails(
            dimensions=dimensions,
            attributes=attributes,
            primary_measure=Component(id=measure_id, kind="primary_measure"),
            groups=[Group(id="SIBLING", dimensions=["REF_AREA", "INDICATOR"])],
        ),
    )
    flow = Artefact(
        type=ArtefactType.DATAFLOW,
        agency=AGENCY,
        id=FLOW,
        version="1.0",
        names={"en": "Employment & <labour>", "fr": "Emploi « travail »", "ar": "التشغيل"},
        details=DataflowDetails(structure=dsd_ref),
    )
    measure = ComponentInfo(id=measure_id)
    if measure_type is not None:
        measure = ComponentInfo(
            id=measure_id, text_type=measure_type, facets={"textType": measure_type}
        )
    return DsdInfo(
        dataflow=flow,
        dsd=dsd,
        dataflow_pk=1,
        dimensions=[
            ComponentInfo(id="FREQ", codes=frozenset({"A", "M"})),
            ComponentInfo(id="REF_AREA", codes=frozenset({"MAR", "TUN", "DZA"})),
            ComponentInfo(id="INDICATOR"),
        ],
        time_dimension="TIME_PERIOD",
        primary_measure=measure,
        attributes={
            "DATA_SOURCE": ComponentInfo(id="DATA_SOURCE", level="dataset"),
            "UNIT_MULT": ComponentInfo(
                id="UNIT_MULT", codes=frozenset({"0", "3", "6"}), level="group", group="SIBLING"
            ),
            "UNIT_MEASURE": ComponentInfo(
                id="UNIT_MEASURE", codes=frozenset({"PCT", "PERS"}), level="series"
            ),
            "TITLE": ComponentInfo(id="TITLE", level="series"),
            "OBS_STATUS": ComponentInfo(
                id="OBS_STATUS", codes=frozenset({"A", "E", "P", "M"}), level="obs"
            ),
            "OBS_COMMENT": ComponentInfo(id="OBS_COMMENT", level="obs"),
        },
        groups={"SIBLING": ("REF_AREA", "INDICATOR")},
        constraints=[],
        freq_dimension="FREQ",
    )


def _lookup(pks: list[int]) -> dict[int, dict[str, str]]:
    """Series attributes of the series asked for, as the repository answers (none for unknown pks)."""
    return {pk: dict(SERIES_ATTRS[pk]) for pk in pks if pk in SERIES_ATTRS}


def _history_info(ds_key: Any) -> DatasetInfo:
    stamp, _, kind = str(ds_key).rpartition("|")
    return DatasetInfo(
        action="Delete" if kind == "D" else "Replace",
        valid_from=datetime.fromisoformat(stamp).replace(tzinfo=UTC) if stamp else None,
    )


def _changes_info(ds_key: Any) -> DatasetInfo:
    return DatasetInfo(action="Delete" if ds_key else "Replace")


DATASET_INFO: dict[str, Callable[[Any], DatasetInfo]] = {
    "history": _history_info,
    "changes": _changes_info,
}


def context(
    dim_at_obs: str = "TIME_PERIOD",
    *,
    measure_type: str | None = None,
    measure_id: str = "OBS_VALUE",
    upper_attributes: bool = True,
    language: str | None = None,
    with_labels: bool = False,
    mode: str = "current",
    **kw: Any,
) -> DataContext:
    """A fresh context (writers may keep state in theirs); ``kw`` sets any other field.

    ``with_labels`` fills code and component names as ``services.data_labels.add_labels`` does (in
    ``language``, English by default; names missing there are missing); ``mode`` (``current``,
    ``changes``, ``history``) chooses how data set keys are read; ``upper_attributes=False`` leaves
    out every data set and group attribute value.
    """
    languages = Languages((language,)) if language else Languages()
    ctx = DataContext(
        info=info(measure_type, measure_id),
        render=RenderContext(
            public_url=PUBLIC_URL, languages=languages, prepared=PREPARED, message_id="IREFGOLDEN"
        ),
        dim_at_obs=dim_at_obs,
        obs_attrs=list(OBS_ATTRS),
        dataset_attrs=dict(DATASET_ATTRS) if upper_attributes else {},
        group_attrs={k: dict(v) for k, v in GROUP_ATTRS.items()} if upper_attributes else {},
        series_attr_lookup=_lookup,
        history=mode == "history",
        **kw,
    )
    if mode in DATASET_INFO:
        ctx.dataset_info = DATASET_INFO[mode]
    if with_labels:
        lang = language or "en"
        ctx.code_labels.update({c: dict(v) for c, v in CODE_LABELS[lang].items()})
        ctx.component_names.update(COMPONENT_NAMES[lang])
    return ctx


def _batches(rows: list[Row], sizes: tuple[int, ...]) -> list[list[Row]]:
    out, start = [], 0
    for size in sizes:
        out.append(rows[start : start + size])
        start += size
    if start < len(rows):
        out.append(rows[start:])
    return [b for b in out if b]


def _row(ds_key: Any, pk: int, period: str | None, value: str | None, *attrs: str | None) -> Row:
    return (ds_key, pk, SERIES[pk], period, value, *(attrs or (None,) * len(OBS_ATTRS)))


def time_rows() -> list[list[Row]]:
    """Time series order; batch boundaries inside series 1 and between series 2 and 4."""
    rows = [_row(0, pk, p, v, s, c) for pk, p, v, s, c in OBSERVATIONS]
    return _batches(rows, (3, 3))


def cross_rows(dim_at_obs: str = "REF_AREA") -> list[list[Row]]:
    """The database's cross-sectional order: the other dimensions, the period, then ``dim_at_obs``."""
    x = DIMS.index(dim_at_obs)
    rows = [_row(0, pk, p, v, s, c) for pk, p, v, s, c in OBSERVATIONS]

    def order(row: Row) -> tuple[object, ...]:
        key = row[2].split(".")
        return (*[k for i, k in enumerate(key) if i != x], row[3], key[x])

    return _batches(sorted(rows, key=order), (3, 2))


def series_rows() -> list[list[Row]]:
    """``serieskeysonly`` / ``nodata``: one row per series, no period, value or attributes (``_pad``)."""
    rows = [_row(0, pk, None, None) for pk in sorted(SERIES, key=SERIES.__getitem__)]
    return _batches(rows, (2,))


def changes_rows() -> list[list[Row]]:
    """``updatedAfter``: changed observations (data set key False), then deletions (True)."""
    rows = [
        _row(False, 1, "2021", "40.9", "A", None),
        _row(False, 2, "2021", "38.7", "E", "Corrigé « après » révision"),
        _row(True, 1, "2019", None),
        _row(True, 4, "2021-01", None),
    ]
    return _batches(rows, (3,))


def history_rows() -> list[list[Row]]:
    """``includeHistory``: every version, a data set per publication (valid from, replace or delete)."""
    first, second, third = (
        "2024-01-01T00:00:00",
        "2024-03-15T10:30:00.250000",
        "2024-06-01T08:00:00",
    )
    rows = [
        _row(f"{first}|R", 1, "2020", "41.0", "P", None),
        _row(f"{first}|R", 1, "2021", "40.5", "P", None),
        _row(f"{first}|R", 2, "2020", "39.5", None, "تقدير أولي"),
        _row(f"{second}|R", 1, "2020", "41.2", "A", "Révisé"),
        _row(f"{second}|R", 1, "2021", "40.8", "E", None),
        _row(f"{third}|D", 2, "2020", None),
    ]
    return _batches(rows, (2, 2))


def text_rows() -> list[list[Row]]:
    """Observations of a text measure: values to escape, Arabic, French."""
    values = [
        'a < b & "c"',
        "l'été",
        "قيمة نصية",
        "x, y; z",
        "multi\nline",
        "0",
        "plain",
        "Ça va",
    ]
    rows = [
        _row(0, pk, p, value, s, c)
        for (pk, p, _, s, c), value in zip(OBSERVATIONS, values, strict=True)
    ]
    return _batches(rows, (4,))


def expected_observations(
    *, with_attrs: bool = True, nan: str | None = "NaN"
) -> set[tuple[tuple[str, ...], str, str | None, frozenset[tuple[str, str]]]]:
    """What every full answer of :func:`time_rows` says, each observation with every attribute that
    applies to it (data set, group, series, its own), as ``tests.data_parsers`` decode them."""
    out = set()
    for pk, period, value, status, comment in OBSERVATIONS:
        key = tuple(SERIES[pk].split("."))
        attrs: dict[str, str] = {}
        if with_attrs:
            attrs.update(DATASET_ATTRS)
            attrs.update(GROUP_ATTRS.get(f"SIBLING:{key[1]}.{key[2]}", {}))
            attrs.update(SERIES_ATTRS[pk])
            attrs.update({k: v for k, v in (("OBS_STATUS", status), ("OBS_COMMENT", comment)) if v})
        out.add((key, period, nan if value == "NaN" else value, frozenset(attrs.items())))
    return out
