"""One call answers a data query (v1 or v2): it owns the read session from the resolution of the dataflow
to the end of the stream, and returns either :class:`NotModified` or a :class:`DataAnswer` (validators,
total, privacy and a byte iterator). The routes only translate HTTP into a :class:`DataRequest`,
:class:`DataOptions` and a conditional-request check, and the answer back into a response."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from sdmx_server.domain.errors import BadRequestError, NotAcceptableError, RangeNotSatisfiableError
from sdmx_server.domain.kinds import CSV_KEYS, CSV_LABELS
from sdmx_server.formats.common import Languages, RenderContext
from sdmx_server.formats.media_types import MediaType
from sdmx_server.formats.registry import (
    data_format,
    data_writer,
    packed_writer,
    raw_data_writer,
)
from sdmx_server.services.auth import Principal, require_preview, require_read
from sdmx_server.services.data_matching import names_patterns
from sdmx_server.services.data_query import DataQueryService, DataRequest, PreparedData

NotModifiedCheck = Callable[[str, datetime, Callable[[datetime], bool]], bool]


@dataclass(frozen=True)
class DataOptions:
    """How the answer is written: format options (SDMX-CSV ``labels``, ``timeFormat``, ``keys``), languages and
    the ``Range: values=a-b`` page, if any."""

    labels: str = "id"
    time_format: str = "original"
    csv_keys: str = "none"
    languages: Languages = Languages()
    range: tuple[int, int | None] | None = None
    public_url: str = ""

    def check(self) -> None:
        """400 for option values no format defines."""
        if (
            self.labels not in CSV_LABELS
            or self.time_format not in ("original", "normalized")
            or self.csv_keys not in CSV_KEYS
        ):
            raise BadRequestError(
                "labels must be id|name|both, timeFormat original|normalized, "
                "keys none|series|obs|both"
            )


class ClientGone(Exception):  # noqa: N818 - an outcome, not an error
    """The client left while the request waited for a database connection: nothing more is done."""


@dataclass(frozen=True)
class NotModified:
    """The client's copy is current (304)."""

    etag: str
    last_modified: datetime


@dataclass
class DataAnswer:
    """A data answer ready to send: ``body`` streams it and then releases the read session;
    ``close`` releases it without streaming (HEAD)."""

    etag: str
    last_modified: datetime
    private: bool
    content_range: str | None  # "values a-b/total" for a Range request
    body: Iterator[bytes]
    close: Callable[[], None]


def answer_data(
    query: DataQueryService,
    principal: Principal,
    req: DataRequest,
    media: MediaType,
    options: DataOptions,
    not_modified: NotModifiedCheck,
    gone: Callable[[], bool] = lambda: False,
) -> NotModified | DataAnswer:
    """Resolve, authorise, compute validators, honour the conditional request, check the size and
    prepare the stream of ``req`` in ``media``. ``gone`` tells whether the client already left
    (checked once the session has its connection: :class:`ClientGone`)."""
    options.check()
    fmt = data_format(media)
    if "labels" in fmt.options and options.labels not in fmt.labels:
        raise BadRequestError(
            f"{media.content_type} defines labels={'|'.join(sorted(fmt.labels))}, "
            f"not labels={options.labels}"
        )
    if not fmt.carries_versions and (req.updated_after is not None or req.include_history):
        raise NotAcceptableError(
            f"{media.content_type} cannot carry deletions or versions, which updatedAfter and includeHistory "
            "answers need: ask for application/vnd.sdmx.data+csv;version=2.0.0 (its ACTION column carries them), "
            "SDMX-ML or SDMX-JSON"
        )
    if fmt.time_series_only and req.dim_at_obs not in (None, "TIME_PERIOD"):
        raise BadRequestError(
            f"{media.content_type} carries time series only: dimensionAtObservation must be the "
            "time dimension"
        )
    rng = options.range
    if rng is not None:
        first, last = rng
        req = replace(req, offset=first, limit=None if last is None else last - first + 1)
    tag = (
        f"{media.format_id}|{options.labels}|{options.time_format}|{options.csv_keys}|{options.languages.tag}"
        f"|{rng}|{options.public_url}"
    )
    session = query.open()
    try:
        if names_patterns(req):  # v2 wildcards and lists: every matching dataflow (data_several)
            from sdmx_server.services.data_several import answer_several

            several = answer_several(
                query, session, principal, req, media, options, tag, not_modified, gone
            )
            if not isinstance(several, DataRequest):
                return several
            req = several  # one dataflow left: answered as if named
        req = query.concrete(session, req)  # v2 contexts name one dataflow
        _row, info = query.resolve(session, req)
        if gone():
            raise ClientGone
        info = query.project(info, req)  # v2 attributes/measures
        require_read(
            principal,
            info.dataflow.ref.triplet,
            info.dataflow_pk,
            info.is_public,
            info.provider_pks,
        )
        if req.preview:
            req = replace(
                req,
                preview_provider=require_preview(
                    principal, info.dataflow.ref.triplet, info.provider_pks
                ),
            )
        if (
            req.dim_at_obs not in (None, "AllDimensions", info.time_dimension)
            and req.dim_at_obs not in info.dimension_ids
        ):
            raise BadRequestError(
                f"dimensionAtObservation={req.dim_at_obs} is not a dimension of {info.dsd.ref}"
            )
        now = query.clock.now()
        etag, last_modified = query.validators(session, info, req, tag, now)
        if not_modified(
            etag, last_modified, lambda since: query.unchanged_within(session, info, since, now)
        ):
            session.close()
            return NotModified(etag, last_modified)
        render = RenderContext(public_url=options.public_url, languages=options.languages)
        prepared = query.prepare(
            session,
            info,
            req,
            render,
            labels=options.labels,
            time_format=options.time_format,
            etag=etag,
            last_modified=last_modified,
            paging=req.offset is not None or req.limit is not None,
            count_needed=rng is not None,
            csv_by_database=raw_data_writer(media) is not None and options.csv_keys == "none",
            with_labels=options.labels in ("both", "name") or fmt.needs_labels,
            csv_keys=options.csv_keys,
            packed=lambda ctx: packed_writer(media, ctx),
        )
    except BaseException:
        session.close()
        raise
    content_range = None
    if rng is not None:
        total = prepared.total or 0
        if rng[0] >= total:
            prepared.close()
            raise RangeNotSatisfiableError(
                f"The answer has {total} observations",
                headers={"Content-Range": f"values */{total}"},
            )
        last = total - 1 if rng[1] is None else min(rng[1], total - 1)
        content_range = f"values {rng[0]}-{last}/{total}"
    return DataAnswer(
        etag=etag,
        last_modified=last_modified,
        private=req.preview or not info.is_public,
        content_range=content_range,
        body=_body(media, prepared),
        close=prepared.close,
    )


def _body(media: MediaType, prepared: PreparedData) -> Iterator[bytes]:
    """The answer's bytes: from database-written CSV lines, packed series (ADR 0016) or rows."""
    raw_writer = raw_data_writer(media) if prepared.csv_chunks is not None else None
    if raw_writer is not None:
        return raw_writer(prepared.context, prepared.raw_chunks())
    if prepared.packed_write is not None:
        return prepared.packed_write(prepared.batches())
    return data_writer(media)(prepared.context, prepared.batches())
