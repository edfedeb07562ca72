"""The closed sets of words the server compares: levels, contexts, modes, roles (one definition each).

They are ``Literal`` types: the values stay the plain strings that the database holds and
the wire carries, while ``mypy --strict`` refuses a comparison with a word outside the set
(``level == "observation"`` is an error where ``level`` is an :data:`AttachmentLevel`).
Each has the tuple of its values (for validation and messages) and, where text from
outside is read into it, a ``TypeGuard`` that narrows a checked ``str``.
"""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

# --------------------------------------------------------------------------- data attachment

AttachmentLevel = Literal["dataset", "group", "series", "obs"]
"""Where an attribute is attached, and which record of a data message carries values."""
ATTACHMENT_LEVELS: tuple[AttachmentLevel, ...] = get_args(AttachmentLevel)

UpperLevel = Literal["dataset", "group", "series"]
"""An attachment level above the observation (attributes stored apart from observations)."""
UPPER_LEVELS: tuple[UpperLevel, ...] = get_args(UpperLevel)

RecordKind = AttachmentLevel
"""What one record of a data message is (:class:`~sdmx_server.readers.base.DataRecord`)."""

# --------------------------------------------------------------------------- structures a request names

StructureContext = Literal["datastructure", "dataflow", "provisionagreement"]
"""The structure a data message, a constraint or a schema is for (SDMX REST context)."""
STRUCTURE_CONTEXTS: tuple[StructureContext, ...] = get_args(StructureContext)


def is_structure_context(value: str) -> TypeGuard[StructureContext]:
    """True for ``datastructure``, ``dataflow`` and ``provisionagreement``."""
    return value in STRUCTURE_CONTEXTS


DataQueryContext = Literal["datastructure", "dataflow", "provisionagreement", "*"]
"""A data query's context; ``*`` is resolved to one dataflow."""

SubmissionTargetType = Literal["dataflow", "provisionagreement"]
"""What a producer's submission is posted to."""
SUBMISSION_TARGET_TYPES: tuple[SubmissionTargetType, ...] = get_args(SubmissionTargetType)


def is_submission_target_type(value: str) -> TypeGuard[SubmissionTargetType]:
    """True for ``dataflow`` and ``provisionagreement``."""
    return value in SUBMISSION_TARGET_TYPES


# --------------------------------------------------------------------------- principals

Role = Literal["provider", "admin", "maintainer", "reader"]
"""The role a token is bound to (``auth_token.role``)."""
ROLES: tuple[Role, ...] = get_args(Role)

PrincipalKind = Literal["anonymous", "provider", "admin", "maintainer", "reader"]
"""Who is asking: anonymous, or the role of a valid token."""


def is_role(value: str) -> TypeGuard[Role]:
    """True for a token role."""
    return value in ROLES


# --------------------------------------------------------------------------- data queries

ReadMode = Literal["current", "preview", "changes", "history"]
"""Which versions of observations a read selects (now or as of, with embargoed batches,
changed since ``updatedAfter``, or every version)."""

DataDetail = Literal["full", "dataonly", "serieskeysonly", "nodata"]
"""The ``detail`` of a data query."""
DATA_DETAILS: tuple[DataDetail, ...] = get_args(DataDetail)


def is_data_detail(value: str) -> TypeGuard[DataDetail]:
    """True for a data ``detail`` value."""
    return value in DATA_DETAILS


AvailabilityMode = Literal["exact", "available"]
"""The ``mode`` of an availability query."""
AVAILABILITY_MODES: tuple[AvailabilityMode, ...] = get_args(AvailabilityMode)


def is_availability_mode(value: str) -> TypeGuard[AvailabilityMode]:
    """True for ``exact`` and ``available``."""
    return value in AVAILABILITY_MODES


CsvLabels = Literal["id", "name", "both"]
"""SDMX-CSV ``labels``."""
CSV_LABELS: tuple[CsvLabels, ...] = get_args(CsvLabels)

CsvKeys = Literal["none", "series", "obs", "both"]
"""SDMX-CSV 2.x ``keys``."""
CSV_KEYS: tuple[CsvKeys, ...] = get_args(CsvKeys)


def is_csv_labels(value: str) -> TypeGuard[CsvLabels]:
    """True for an SDMX-CSV ``labels`` value."""
    return value in CSV_LABELS


def is_csv_keys(value: str) -> TypeGuard[CsvKeys]:
    """True for an SDMX-CSV 2.x ``keys`` value."""
    return value in CSV_KEYS


FilterTarget = Literal[
    "dimension",
    "time",
    "measure",
    "obs_attribute",
    "series_attribute",
    "group_attribute",
    "dataset_attribute",
]
"""Where a filtered component is stored (the column a ``c[]`` predicate compiles to)."""

# --------------------------------------------------------------------------- structure queries

StructureDetail = Literal[
    "full",
    "allstubs",
    "referencestubs",
    "referencepartial",
    "allcompletestubs",
    "referencecompletestubs",
]
"""The ``detail`` of a structure query (v2's ``raw`` is read as ``full``)."""
STRUCTURE_DETAILS: tuple[StructureDetail, ...] = get_args(StructureDetail)


def is_structure_detail(value: str) -> TypeGuard[StructureDetail]:
    """True for a structure ``detail`` value (``raw`` excluded)."""
    return value in STRUCTURE_DETAILS


VersionMode = Literal["all", "latest", "exact", "pattern"]
"""How a version selector picks: every version, the latest, the ones named, or v2 wildcard terms."""

DATA_QUERY_CONTEXTS: tuple[DataQueryContext, ...] = get_args(DataQueryContext)


def is_data_query_context(value: str) -> TypeGuard[DataQueryContext]:
    """True for a data query context (``*`` included)."""
    return value in DATA_QUERY_CONTEXTS


# --------------------------------------------------------------------------- the audit trail

AuditAction = Literal[
    "data.submit",
    "data.job",
    "data.load",
    "structure.submit",
    "structure.replace",
    "structure.delete",
    "structure.load",
    "token.create",
    "token.revoke",
    "dataflow.public",
    "dataflow.private",
    "portal.signin",
]
"""What an audit event records (``audit_event.action``; ``/admin/audit?action=`` filters on it)."""

# --------------------------------------------------------------------------- structure submissions

RegistryAction = Literal["Append", "Replace", "Delete"]
"""What a structure submission did to one artefact (SDMX-ML ``SubmissionResult``)."""

RegistryStatus = Literal["Success", "Warning", "Failure"]
"""How it went for that artefact (SDMX-ML ``StatusMessage status``)."""
