"""What the data explorer shows, read through the same services as the REST API.

The catalogue (dataflows by theme, searchable) comes from the stored category
scheme, categorisations, dataflows and the measure codelist; a dataflow view
resolves the dataflow with :class:`DataQueryService` (same compiled DSD, same
read rights), asks :class:`AvailabilityService` which codes have data given
the filters chosen, and reads the observations with ``DataQueryService.prepare``
(same filter, same size rules), so the portal has no second path to the data.
"""

from __future__ import annotations

import html
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from sdmx_server.api.data_params import parse_data_v1
from sdmx_server.domain.errors import NoResultsError
from sdmx_server.domain.model import (
    Artefact,
    ArtefactType,
    CategorisationDetails,
    DsdDetails,
    Item,
    MaintainableRef,
    ProvisionAgreementDetails,
)
from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.data_context import DataContext
from sdmx_server.services.auth import Principal, may_read
from sdmx_server.services.availability import Availability, AvailabilityService
from sdmx_server.services.container import Services
from sdmx_server.services.data_labels import add_labels
from sdmx_server.services.data_query import DataRequest
from sdmx_server.services.dsd_info import DsdInfo, provision_agreements_of
from sdmx_server.storage import structure_repo as repo

MEASURE_CODELIST = MaintainableRef(
    type=ArtefactType.CODELIST, agency="MA_LMIS", id="CL_MEASURE", version="1.0"
)
PAGE_OBSERVATIONS = 5000  # the most observations one table page shows
CHART_SERIES = 50  # the most series one chart draws


def pick(texts: Mapping[str, str], lang: str, default: str = "en") -> str:
    """One text of a localised mapping in ``lang`` (server fallback otherwise); '' for none."""
    chosen = Languages((lang,), default).select(texts)
    return next(iter(chosen.values()), "")


def fold(text: str) -> str:
    """Lower case without accents, for searching ("emploi" finds "Emploi", "etranger" finds "étranger")."""
    norm = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in norm if not unicodedata.combining(c))


# ---------------------------------------------------------------------------- catalogue


@dataclass
class FlowCard:
    """One dataflow in the catalogue."""

    agency: str
    id: str
    version: str
    name: str
    description: str
    themes: list[str] = field(default_factory=list)
    search_text: str = ""

    @property
    def path(self) -> str:
        """Its page under /portal."""
        return f"dataflow/{self.agency}/{self.id}/{self.version}"


@dataclass
class Theme:
    """A category of the shipped scheme, with its dataflows (subcategories nested)."""

    id: str
    name: str
    description: str
    flows: list[FlowCard] = field(default_factory=list)
    children: list[Theme] = field(default_factory=list)


@dataclass
class Catalogue:
    """The themes (in scheme order), and the dataflows under no theme."""

    themes: list[Theme]
    other: list[FlowCard]
    total: int


def _measure_texts(session: Session) -> dict[str, Item]:
    row = repo.get_row(session, MEASURE_CODELIST)
    if row is None:
        return {}
    return {i.id: i for i in repo.load_artefacts(session, [row])[0].items}


def readable_flows(services: Services, session: Session, principal: Principal) -> list[Artefact]:
    """Dataflows whose data ``principal`` may read (the API's rule), by agency and id."""
    rows = repo.find_rows(session, [ArtefactType.DATAFLOW], None, None, None)
    out = []
    for row in rows:
        if row.is_external_reference:
            continue
        if not row.is_public:
            try:
                _pk, info = services.data_query.resolve(
                    session, DataRequest(row.agency_id, row.resource_id, row.version)
                )
            except NoResultsError:
                continue
            if not may_read(principal, row.pk, False, info.provider_pks):
                continue
        out.append(repo.row_to_artefact(row))
    return out


def catalogue(services: Services, principal: Principal, lang: str, query: str = "") -> Catalogue:
    """The dataflows by theme; ``query`` keeps those whose names, descriptions or measure
    definitions contain every word (accents and case ignored)."""
    words = [fold(w) for w in query.split() if w.strip()]
    with services.session_factory() as session:
        flows = readable_flows(services, session, principal)
        measures = _measure_texts(session)
        cat_rows = repo.find_rows(
            session, [ArtefactType.CATEGORY_SCHEME, ArtefactType.CATEGORISATION], None, None, None
        )
        arts = repo.load_artefacts(session, cat_rows)
        flow_measures = _flow_measure_codes(session, flows)
    default = services.settings.default_language
    cards: dict[tuple[str, str, str], FlowCard] = {}
    for flow in flows:
        texts = [flow.names, flow.descriptions] + [
            a.texts for a in flow.annotations if a.type == "MEASURE_DEFINITION"
        ]
        for code in flow_measures.get(flow.ref.triplet, ()):
            item = measures.get(code)
            if item is not None:
                texts += [item.names, item.descriptions]
        # Every language is searched: a French word finds an English-only text's French sibling.
        haystack = fold(" ".join(t for m in texts for t in m.values()) + f" {flow.id}")
        if words and not all(w in haystack for w in words):
            continue
        cards[(flow.agency, flow.id, flow.version)] = FlowCard(
            flow.agency,
            flow.id,
            flow.version,
            pick(flow.names, lang, default) or flow.id,
            pick(flow.descriptions, lang, default),
            search_text=haystack,
        )
    schemes = [a for a in arts if a.type is ArtefactType.CATEGORY_SCHEME]
    placed: set[tuple[str, str, str]] = set()
    by_category: dict[tuple[str, str], list[FlowCard]] = {}
    for cz in (a for a in arts if a.type is ArtefactType.CATEGORISATION):
        d = cz.details
        if not isinstance(d, CategorisationDetails) or d.source.type is not ArtefactType.DATAFLOW:
            continue
        card = cards.get((d.source.agency, d.source.id, d.source.version))
        if card is None:
            continue
        by_category.setdefault((str(d.target.scheme), d.target.item_id), []).append(card)
        placed.add((card.agency, card.id, card.version))
    themes: list[Theme] = []
    for scheme in schemes:
        nodes: dict[str, Theme] = {}
        for item in scheme.items:
            path = item.id  # nested categories are stored by their dot-separated path
            theme = Theme(
                path,
                pick(item.names, lang, default) or item.id,
                pick(item.descriptions, lang, default),
                flows=sorted(by_category.get((str(scheme.ref), path), []), key=lambda c: c.name),
            )
            nodes[item.id] = theme
            parent = nodes.get(item.parent) if item.parent else None
            (parent.children if parent is not None else themes).append(theme)
    themes = [t for t in themes if _has_flows(t)]
    for t in themes:
        _prune(t)
    other = sorted((c for k, c in cards.items() if k not in placed), key=lambda c: c.name)
    return Catalogue(themes, other, len(cards))


def _has_flows(theme: Theme) -> bool:
    return bool(theme.flows) or any(_has_flows(c) for c in theme.children)


def _prune(theme: Theme) -> None:
    theme.children = [c for c in theme.children if _has_flows(c)]
    for c in theme.children:
        _prune(c)


def _flow_measure_codes(session: Session, flows: list[Artefact]) -> dict[str, list[str]]:
    """The MEASURE codes each dataflow has data for (from its availability summary) or annotates."""
    from sdmx_server.storage.tables import DataflowState

    out: dict[str, list[str]] = {}
    for flow in flows:
        codes = [a.title for a in flow.annotations if a.type == "MEASURE_DEFINITION" and a.title]
        row = repo.get_row(session, flow.ref)
        state = session.get(DataflowState, row.pk) if row is not None else None
        if state is not None and state.summary.get("dims"):
            dsd = (
                repo.get_row(session, flow.details.structure) if flow.details is not None else None  # type: ignore[union-attr]
            )
            if dsd is not None:
                details = repo.row_to_artefact(dsd).details
                if isinstance(details, DsdDetails):
                    ids = [d.id for d in details.key_dimensions]
                    if "MEASURE" in ids and ids.index("MEASURE") < len(state.summary["dims"]):
                        codes += list(state.summary["dims"][ids.index("MEASURE")])
        out[flow.ref.triplet] = codes
    return out


# ---------------------------------------------------------------------------- one dataflow


@dataclass
class Measure:
    """What a measure means: definition, calculation, unit, sources, standard."""

    code: str
    name: str
    definition: str = ""
    calculation: str = ""
    unit: str = ""
    sources: list[str] = field(default_factory=list)
    standard: str = ""


@dataclass
class Filter:
    """One dimension's filter: the codes that have data (given the other choices) and those chosen."""

    id: str
    name: str
    options: list[tuple[str, str]]  # (code, label) in codelist order
    chosen: list[str]


@dataclass
class SeriesRow:
    """One row of the table: a series key, its labels, attributes and values per period."""

    key: str
    codes: list[str]
    labels: list[str]
    attrs: dict[str, str]
    values: dict[str, tuple[Any, str]]  # period -> (value, flags)


@dataclass
class FlowView:
    """Everything the dataflow page shows."""

    info: DsdInfo
    name: str
    description: str
    measures: list[Measure]
    producers: list[str]
    filters: list[Filter]
    start: str
    end: str
    key: str
    periods: list[str] = field(default_factory=list)
    rows: list[SeriesRow] = field(default_factory=list)
    series_attr_ids: list[str] = field(default_factory=list)
    attr_names: dict[str, str] = field(default_factory=dict)
    code_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    total_observations: int = 0
    total_series: int = 0
    page: int = 1
    pages: int = 1
    dim_names: dict[str, str] = field(default_factory=dict)
    preview: bool = False

    @property
    def ref(self) -> MaintainableRef:
        """The dataflow."""
        return self.info.dataflow.ref

    @property
    def flow_ref(self) -> str:
        """``AGENCY,ID,VERSION`` as REST paths write it."""
        r = self.info.dataflow.ref
        return f"{r.agency},{r.id},{r.version}"

    @property
    def varying(self) -> list[int]:
        """Positions of the dimensions whose code differs between rows (the table's row headers)."""
        out = [
            i
            for i in range(len(self.filters))
            if len({r.codes[i] for r in self.rows if i < len(r.codes)}) > 1
        ]
        return out or list(range(len(self.filters)))

    @property
    def fixed(self) -> list[tuple[str, str, str]]:
        """(dimension, code, label) of the dimensions with one code in every row."""
        if not self.rows:
            return []
        moving = set(self.varying)
        first = self.rows[0]
        return [
            (f.id, first.codes[i], first.labels[i])
            for i, f in enumerate(self.filters)
            if i not in moving and i < len(first.codes)
        ]

    def body_html(self, codes: bool) -> str:
        """The table's rows as HTML (built here: a 5,000-cell table renders ten times faster than
        through the template engine); every text is escaped."""
        esc = html.escape
        varying = self.varying
        parts = []
        for r in self.rows:
            shown = r.codes if codes else r.labels
            cells = [f'<tr data-key="{esc(r.key)}">']
            cells += [f'<th scope="row">{esc(shown[i])}</th>' for i in varying]
            for a in self.series_attr_ids:
                val = r.attrs.get(a, "")
                cells.append(f"<td>{esc(val if codes else (self.label(a, val) or val))}</td>")
            for p in self.periods:
                cell = r.values.get(p)
                if cell is None:
                    cells.append('<td class="num"></td>')
                    continue
                value = "" if cell[0] is None else esc(str(cell[0]))
                flag = (
                    f'<sup title="{esc(cell[1])}" class="flag">{esc(cell[1])}</sup>'
                    if cell[1]
                    else ""
                )
                cells.append(f'<td class="num">{value}{flag}</td>')
            cells.append("</tr>")
            parts.append("".join(cells))
        return "\n".join(parts)

    def label(self, component: str, code: str) -> str:
        """A code's name ('' when it has none)."""
        return self.code_labels.get(component, {}).get(code, "")


_LABELS: OrderedDict[tuple[Any, ...], tuple[dict[str, dict[str, str]], dict[str, str]]] = (
    OrderedDict()
)
_LABELS_LOCK = threading.Lock()


_MISC: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def per_state(session: Session, what: str, compute: Any) -> Any:
    """``compute()`` kept per worker under ``what`` and the structure state read from the database."""
    state = session.info.get("structure_state") or repo.read_state(session)
    key = (
        str(session.get_bind().engine.url),
        what,
        tuple(sorted((t, g) for t, (g, _) in state.items())),
    )
    with _LABELS_LOCK:
        if key in _MISC:
            _MISC.move_to_end(key)
            return _MISC[key]
    value = compute()
    with _LABELS_LOCK:
        _MISC[key] = value
        while len(_MISC) > 256:
            _MISC.popitem(last=False)
    return value


def cached_labels(session: Session, ctx: DataContext, lang: str) -> None:
    """``add_labels`` for ``ctx``, kept per worker and keyed by the structure state read from the
    database (as the compiled DSDs are): any structure change, by any worker, is a new key."""
    state = session.info.get("structure_state") or repo.read_state(session)
    key = (
        str(session.get_bind().engine.url),
        ctx.info.dataflow.ref.triplet,
        lang,
        tuple(sorted((t, g) for t, (g, _) in state.items())),
    )
    with _LABELS_LOCK:
        hit = _LABELS.get(key)
        if hit is not None:
            _LABELS.move_to_end(key)
    if hit is None:
        add_labels(session, ctx)
        hit = (ctx.code_labels, ctx.component_names)
        with _LABELS_LOCK:
            _LABELS[key] = hit
            while len(_LABELS) > 64:
                _LABELS.popitem(last=False)
    ctx.code_labels, ctx.component_names = hit


def selection(info_dims: list[str], params: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The codes chosen per dimension from the page's query parameters (dimension ids as names)."""
    out: dict[str, list[str]] = {}
    for dim in info_dims:
        values = [v for raw in params.get(dim, []) for v in raw.split("+") if v]
        if values:
            out[dim] = sorted(set(values))
    return out


def key_text(dim_ids: tuple[str, ...], chosen: Mapping[str, list[str]]) -> str:
    """The SDMX key of a selection (``A.SEX_M+SEX_F..``)."""
    return ".".join("+".join(chosen.get(d, [])) for d in dim_ids)


def data_request(
    info: DsdInfo,
    chosen: Mapping[str, list[str]],
    start: str,
    end: str,
    extra: Mapping[str, str] | None = None,
) -> DataRequest:
    """The REST v1 data request of a selection, parsed by the API's own parser."""
    params = {k: v for k, v in (("startPeriod", start), ("endPeriod", end)) if v}
    params.update(extra or {})
    r = info.dataflow.ref
    return parse_data_v1(
        f"{r.agency},{r.id},{r.version}/{key_text(info.dimension_ids, chosen) or 'all'}", params
    )


def resolve(
    services: Services,
    session: Session,
    agency: str,
    flow_id: str,
    version: str,
    principal: Principal,
) -> DsdInfo:
    """The compiled dataflow, after the API's read check (401/403/404 as the API)."""
    from sdmx_server.services.auth import require_read

    _pk, info = services.data_query.resolve(session, DataRequest(agency, flow_id, version))
    require_read(
        principal, info.dataflow.ref.triplet, info.dataflow_pk, info.is_public, info.provider_pks
    )
    return info


def view(
    services: Services,
    principal: Principal,
    lang: str,
    agency: str,
    flow_id: str,
    version: str,
    params: Mapping[str, list[str]],
    page: int | None = 1,
) -> FlowView:
    """Resolve, describe, filter and read one dataflow as the page shows it (``page=None``: every
    observation of the selection, for downloads; the API's size limit applies)."""
    query = services.data_query
    default = services.settings.default_language
    session = query.open()
    try:
        info = resolve(services, session, agency, flow_id, version, principal)
        flow = info.dataflow
        chosen = selection(list(info.dimension_ids), params)
        start = (params.get("startPeriod") or [""])[0].strip()
        end = (params.get("endPeriod") or [""])[0].strip()
        # the explorer reads rows and writes no links: no public URL (api/public_url.py) is needed
        render = RenderContext(public_url="", languages=Languages((lang,), default))
        ctx = DataContext(info=info, render=render, dim_at_obs=info.time_dimension or "TIME_PERIOD")
        cached_labels(session, ctx, lang)
        v = FlowView(
            info=info,
            name=pick(flow.names, lang, default) or flow.id,
            description=pick(flow.descriptions, lang, default),
            measures=[],
            producers=[],
            filters=[],
            start=start,
            end=end,
            key=key_text(info.dimension_ids, chosen),
            code_labels=ctx.code_labels,
            dim_names={d.id: ctx.component_names.get(d.id, d.id) for d in info.dimensions},
            attr_names={a: ctx.component_names.get(a, a) for a in info.attributes},
        )
        v.producers = per_state(
            session,
            f"producers|{v.flow_ref}|{lang}",
            lambda: _producers(session, info, lang, default),
        )
        now = query.clock.now()
        service = AvailabilityService(query)
        try:
            avail: Availability | None = service.compute(
                session, info, data_request(info, chosen, start, end), "available", None, now
            )
        except NoResultsError:
            avail = None
        v.filters = [
            Filter(
                d.id,
                v.dim_names[d.id],
                _options(
                    sorted(
                        (avail.values.get(d.id, set()) if avail else set())
                        | set(chosen.get(d.id, []))
                    ),
                    d.id,
                    ctx.code_labels,
                ),
                chosen.get(d.id, []),
            )
            for d in info.dimensions
        ]
        measure_codes = next(
            (f.chosen or [c for c, _ in f.options] for f in v.filters if f.id == "MEASURE"), []
        )
        v.measures = _measures(
            session, flow, measure_codes, ctx.code_labels.get("MEASURE", {}), lang, default
        )
        preview_of: tuple[bool, int | None] = (False, None)
        if (params.get("preview") or [""])[0] == "true":
            from sdmx_server.services.auth import require_preview

            preview_of = (True, require_preview(principal, v.flow_ref, info.provider_pks))
            v.preview = True
        if avail is not None or preview_of[0]:
            # Availability's count bounds the selection's (it may ignore one filter, never add
            # rows): a selection that surely fits one page is read whole, on the fast lane
            # (one COPY line per series on PostgreSQL) rather than observation by observation.
            fits = (
                avail is not None and not preview_of[0] and avail.observations <= PAGE_OBSERVATIONS
            )
            _read(
                services,
                session,
                v,
                info,
                chosen,
                start,
                end,
                render,
                None if fits and page == 1 else page,
                preview_of,
            )
        return v
    finally:
        session.close()


def _options(
    codes: list[str], dim: str, labels: Mapping[str, Mapping[str, str]]
) -> list[tuple[str, str]]:
    names = labels.get(dim, {})
    return [(c, names.get(c, "") or c) for c in codes]


def _producers(session: Session, info: DsdInfo, lang: str, default: str) -> list[str]:
    row = repo.get_row(session, info.dataflow.ref)
    if row is None:
        return []
    out = []
    for pa in provision_agreements_of(session, row):
        assert isinstance(pa.details, ProvisionAgreementDetails)
        prov = pa.details.data_provider
        scheme = repo.get_row(session, prov.scheme)
        name = prov.item_id
        if scheme is not None:
            items = repo.items_of(session, [scheme.pk], [prov.item_id]).get(scheme.pk, [])
            if items:
                name = pick(repo.row_to_item(items[0]).names, lang, default) or prov.item_id
        out.append(name)
    return sorted(set(out))


def _measures(
    session: Session,
    flow: Artefact,
    codes: list[str],
    labels: Mapping[str, str],
    lang: str,
    default: str,
) -> list[Measure]:
    known = per_state(session, "measures", lambda: _measure_texts(session))
    annotated = {
        a.title: a.texts for a in flow.annotations if a.type == "MEASURE_DEFINITION" and a.title
    }
    out = []
    for code in codes[:40]:
        item = known.get(code)
        m = Measure(
            code, labels.get(code) or (pick(item.names, lang, default) if item else "") or code
        )
        if item is not None:
            m.definition = pick(item.descriptions, lang, default)
            for a in item.annotations:
                text = pick(a.texts, lang, default)
                if a.type == "CALCULATION_METHOD":
                    m.calculation = text
                elif a.type == "UNIT":
                    m.unit = text
                elif a.type == "SOURCE":
                    m.sources.append(text)
                elif a.type == "STANDARD":
                    m.standard = text
        if code in annotated and not m.definition:
            m.definition = pick(annotated[code], lang, default)
        out.append(m)
    return out


def _read(
    services: Services,
    session: Session,
    v: FlowView,
    info: DsdInfo,
    chosen: Mapping[str, list[str]],
    start: str,
    end: str,
    render: RenderContext,
    page: int | None,
    preview: tuple[bool, int | None] = (False, None),
) -> None:
    """Read one page of observations (at most PAGE_OBSERVATIONS; all for ``page=None``) into series rows."""
    query = services.data_query
    req = data_request(info, chosen, start, end)
    if preview[0]:  # embargoed data too: the producer's own (administrators: everyone's)
        req = replace(req, preview=True, preview_provider=preview[1])
    if page is not None:
        page = max(page, 1)
        req = replace(req, offset=(page - 1) * PAGE_OBSERVATIONS, limit=PAGE_OBSERVATIONS)
    try:
        prepared = query.prepare(
            session, info, req, render, etag="", paging=page is not None, count_needed=True
        )
    except NoResultsError:
        return
    ctx = prepared.context
    v.total_observations = prepared.total or 0
    v.page = page or 1
    v.pages = max(1, -(-v.total_observations // PAGE_OBSERVATIONS)) if page is not None else 1
    series_attrs = [
        a for a in info.attributes if info.attributes[a].level in ("series", "group", "dataset")
    ]
    v.series_attr_ids = series_attrs
    obs_attrs = ctx.obs_attrs
    periods: set[str] = set()
    rows: dict[str, SeriesRow] = {}
    attr_range = range(5, 5 + len(obs_attrs))
    attr_names = {5 + i: a for i, a in enumerate(obs_attrs)}
    dim_ids = info.dimension_ids
    for batch in prepared.batches():
        attrs = ctx.series_attrs_for(batch)
        for r in batch:
            skey = r[2]
            row = rows.get(skey)
            if row is None:
                codes = skey.split(".")
                extra = dict(ctx.dataset_attrs)
                extra.update(attrs.get(r[1], {}))
                row = rows[skey] = SeriesRow(
                    skey,
                    codes,
                    [v.label(d, c) or c for d, c in zip(dim_ids, codes, strict=False)],
                    {a: extra[a] for a in series_attrs if extra.get(a)},
                    {},
                )
            period = str(r[3])
            periods.add(period)
            flags = ""
            for i in attr_range:
                if r[i]:
                    flags = (
                        f"{flags}, {attr_names[i]}={r[i]}" if flags else f"{attr_names[i]}={r[i]}"
                    )
            row.values[period] = (r[4], flags)
    v.periods = sorted(periods)
    v.rows = list(rows.values())
    v.total_series = len(v.rows)
