"""Generating XSDs for structure-specific data (``/schema``)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.errors import BadRequestError, NoResultsError
from sdmx_server.domain.kinds import StructureContext
from sdmx_server.domain.model import ArtefactType, MaintainableRef, ProvisionAgreementDetails
from sdmx_server.domain.versions import version_key
from sdmx_server.formats.data_context import ALL_DIMENSIONS
from sdmx_server.formats.sdmx_ml21_schema import write_schema
from sdmx_server.formats.sdmx_ml30_schema import write_schema_3
from sdmx_server.services.dsd_info import load_dsd_info
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.tables import StructureArtefact

TYPES: dict[StructureContext, ArtefactType] = {
    "datastructure": ArtefactType.DATA_STRUCTURE,
    "dataflow": ArtefactType.DATAFLOW,
    "provisionagreement": ArtefactType.PROVISION_AGREEMENT,
}
URN_CLASS = {
    "datastructure": "DataStructure",
    "dataflow": "Dataflow",
    "provisionagreement": "ProvisionAgreement",
}


class SchemaService:
    """Builds the XSD of a DSD, dataflow or provision agreement."""

    def __init__(self, session_factory: sessionmaker[Session], public_url: str) -> None:
        self._factory = session_factory
        self._public_url = public_url

    def _row(
        self,
        session: Session,
        context: StructureContext,
        agency: str,
        resource_id: str,
        version: str,
    ) -> StructureArtefact:
        type_ = TYPES[context]
        pairs = repo.versions_by_id(session, type_, agency, resource_id)
        if version not in ("latest", "+", "~"):
            pairs = [p for p in pairs if p[1] == version]
        if not pairs:
            raise NoResultsError(f"No {context} {agency}:{resource_id}({version})")
        ver = max((v for _, v in pairs), key=version_key)
        row = repo.get_row(
            session, MaintainableRef(type=type_, agency=agency, id=resource_id, version=ver)
        )
        assert row is not None
        return row

    def schema(
        self,
        context: StructureContext,
        agency: str,
        resource_id: str,
        version: str,
        dim_at_obs: str | None,
        ml_version: str = "2.1",
    ) -> tuple[bytes, str, datetime]:
        """(XSD bytes, ETag, Last-Modified) for SDMX-ML ``ml_version`` (2.1, 3.0 or 3.1)."""
        with self._factory() as session:
            row = self._row(session, context, agency, resource_id, version)
            state = repo.read_state(session)
            pa_row = None
            flow_row = row
            if context == "provisionagreement":
                pa = repo.row_to_artefact(row)
                assert isinstance(pa.details, ProvisionAgreementDetails)
                flow = repo.get_row(session, pa.details.dataflow)
                if flow is None:
                    raise NoResultsError(f"The dataflow of {pa.ref} is not available")
                pa_row, flow_row = row, flow
            info = load_dsd_info(session, flow_row, pa_row)
        dim = dim_at_obs or info.time_dimension or ALL_DIMENSIONS
        if dim not in (ALL_DIMENSIONS, info.time_dimension) and dim not in info.dimension_ids:
            raise BadRequestError(
                f"dimensionAtObservation={dim} is not a dimension of {info.dsd.ref}"
            )
        namespace = (
            f"urn:sdmx:org.sdmx.infomodel.{'registry' if context == 'provisionagreement' else 'datastructure'}."
            f"{URN_CLASS[context]}={row.agency_id}:{row.resource_id}({row.version}):ObsLevelDim:{dim}"
        )
        if ml_version == "2.1":
            body = write_schema(info, namespace, dim, f"{self._public_url}/schemas/v2_1")
        else:
            body = write_schema_3(
                info,
                namespace,
                dim,
                f"{self._public_url}/schemas/v{ml_version.replace('.', '_')}",
                ml_version,
            )
        gens = ",".join(f"{t}={g}" for t, (g, _) in sorted(state.items()))
        etag = (
            '"s'
            + hashlib.sha1(
                (f"{namespace}|{gens}" + ("" if ml_version == "2.1" else f"|{ml_version}")).encode()
            ).hexdigest()[:24]
            + '"'
        )
        changed = max(
            (c for _, c in state.values()),
            default=datetime.fromisoformat("2000-01-01T00:00:00+00:00"),
        )
        return body, etag, changed
