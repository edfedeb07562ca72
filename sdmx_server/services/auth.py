"""Bearer tokens, principals and what each may do.

Tokens are random (``sdmx_`` + 43 URL-safe characters), shown once and
stored as their SHA-256: a stolen database does not reveal a usable token,
and high-entropy tokens need no slow hash. Each token is bound to a data
provider (a producer), or to a role: ``admin`` (everything), ``maintainer``
(structures of one agency), ``reader`` (read access to non-public
dataflows it is granted).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sdmx_server.domain.clock import SYSTEM_CLOCK, Clock, as_utc
from sdmx_server.domain.errors import (
    ForbiddenError,
    NoResultsError,
    SemanticError,
    UnauthorizedError,
)
from sdmx_server.domain.kinds import ROLES, PrincipalKind, is_role
from sdmx_server.domain.model import ArtefactType, ItemRef, MaintainableRef
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage.tables import AuthGrant, AuthToken, StructureArtefact, StructureItem

_PROVIDER_FULL = re.compile(
    r"^(?P<agency>[A-Za-z0-9_.\-]+):(?P<scheme>[A-Za-z0-9_\-]+)\((?P<version>[0-9.A-Za-z\-]+)\)\.(?P<id>[A-Za-z0-9_@$\-]+)$"
)


@dataclass(frozen=True)
class Principal:
    """Who is asking: anonymous, or the holder of a valid token."""

    kind: PrincipalKind
    name: str = "anonymous"
    token_pk: int | None = None
    provider_pk: int | None = None
    provider: ItemRef | None = None
    agency: str | None = None
    grants: frozenset[int] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """How the audit trail names this principal."""
        if self.kind == "anonymous":
            return "anonymous"
        extra = (
            f" {self.provider.item_id}"
            if self.provider
            else (f" {self.agency}" if self.agency else "")
        )
        return f"{self.kind}{extra} (token {self.token_pk}: {self.name})"

    @property
    def is_admin(self) -> bool:
        """True for administrators."""
        return self.kind == "admin"


ANONYMOUS = Principal(kind="anonymous")


def hash_token(token: str) -> str:
    """SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class AuthService:
    """Creates, lists, revokes and checks tokens."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        write_sessions: sessionmaker[Session],
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._sessions = sessions
        self._writes = write_sessions
        self.clock = clock

    # ------------------------------------------------------------------ management

    def resolve_provider(self, session: Session, text: str) -> tuple[int, ItemRef]:
        """A data provider by bare id (when unique) or ``AGENCY:SCHEME(VERSION).ID``."""
        m = _PROVIDER_FULL.match(text)
        stmt = (
            select(
                StructureItem.pk,
                StructureItem.item_id,
                StructureArtefact.agency_id,
                StructureArtefact.resource_id,
                StructureArtefact.version,
            )
            .join(StructureArtefact, StructureArtefact.pk == StructureItem.artefact_pk)
            .where(StructureArtefact.type == ArtefactType.DATA_PROVIDER_SCHEME.value)
        )
        if m:
            stmt = stmt.where(
                StructureItem.item_id == m["id"],
                StructureArtefact.agency_id == m["agency"],
                StructureArtefact.resource_id == m["scheme"],
                StructureArtefact.version == m["version"],
            )
        else:
            stmt = stmt.where(StructureItem.item_id == text)
        rows = session.execute(stmt).all()
        if not rows:
            raise NoResultsError(f"No data provider {text}")
        if len(rows) > 1:
            names = ", ".join(f"{a}:{s}({v}).{i}" for _pk, i, a, s, v in rows)
            raise SemanticError(
                f"Data provider id {text} is not unique ({names}): give AGENCY:SCHEME(VERSION).ID"
            )
        pk, item_id, agency, scheme, version = rows[0]
        ref = MaintainableRef(
            type=ArtefactType.DATA_PROVIDER_SCHEME, agency=agency, id=scheme, version=version
        )
        return pk, ItemRef(scheme=ref, item_id=item_id)

    def create_token(
        self,
        role: str,
        *,
        provider: str | None = None,
        agency: str | None = None,
        name: str | None = None,
        expires_at: datetime | None = None,
        dataflows: tuple[MaintainableRef, ...] = (),
    ) -> tuple[str, AuthToken]:
        """Create a token; returns (the token, shown only now; its row)."""
        if role not in ROLES:
            raise SemanticError(f"role must be one of {', '.join(ROLES)}")
        token = "sdmx_" + secrets.token_urlsafe(32)
        with self._writes() as session, session.begin():
            provider_pk = None
            label = name
            if role == "provider":
                if not provider:
                    raise SemanticError("a provider token needs --provider")
                provider_pk, ref = self.resolve_provider(session, provider)
                label = label or f"{ref.item_id} producer"
            if role == "maintainer":
                if not agency:
                    raise SemanticError("a maintainer token needs --agency")
                label = label or f"{agency} maintainer"
            row = AuthToken(
                token_hash=hash_token(token),
                prefix=token[:12],
                name=label or role,
                role=role,
                provider_pk=provider_pk,
                agency=agency,
                created_at=self.clock.now(),
                expires_at=as_utc(expires_at) if expires_at else None,
            )
            session.add(row)
            session.flush()
            for flow in dataflows:
                flow_row = repo.get_row(session, flow)
                if flow_row is None:
                    raise NoResultsError(f"No dataflow {flow}")
                session.add(AuthGrant(token_pk=row.pk, dataflow_pk=flow_row.pk))
        return token, row

    def list_tokens(self) -> list[tuple[AuthToken, str | None]]:
        """Every token with its provider id (if any), oldest first."""
        with self._sessions() as session:
            rows = list(session.execute(select(AuthToken).order_by(AuthToken.pk)).scalars())
            out: list[tuple[AuthToken, str | None]] = []
            for row in rows:
                item = session.get(StructureItem, row.provider_pk) if row.provider_pk else None
                out.append((row, item.item_id if item is not None else None))
            return out

    def revoke(self, key: str) -> AuthToken:
        """Revoke a token by its number or its prefix."""
        with self._writes() as session, session.begin():
            stmt = select(AuthToken)
            stmt = (
                stmt.where(AuthToken.pk == int(key))
                if key.isdigit()
                else stmt.where(AuthToken.prefix == key[:12])
            )
            row = session.execute(stmt).scalar_one_or_none()
            if row is None:
                raise NoResultsError(f"No token {key}")
            if row.revoked_at is None:
                row.revoked_at = self.clock.now()
            return row

    def set_dataflow_public(self, ref: MaintainableRef, public: bool) -> None:
        """Make a dataflow's data readable by anyone (``public``) or only by tokens that grant them."""
        with self._writes() as session, session.begin():
            row = repo.get_row(session, ref)
            if row is None or row.type != ArtefactType.DATAFLOW.value:
                raise NoResultsError(f"No dataflow {ref}")
            row.is_public = public
            # Every worker's compiled-DSD cache is keyed by the structure state: bumping it is seen by all.
            repo.bump_state(session, [ArtefactType.DATAFLOW])

    # ------------------------------------------------------------------ checking

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization`` header; 401 for a wrong, expired or revoked token."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthorizedError("Use 'Authorization: Bearer <token>'")
        with self._sessions() as session:
            row = session.execute(
                select(AuthToken).where(AuthToken.token_hash == hash_token(token.strip()))
            ).scalar_one_or_none()
            if row is None:
                raise UnauthorizedError("Unknown token")
            if row.revoked_at is not None:
                raise UnauthorizedError("This token has been revoked")
            if row.expires_at is not None and as_utc(row.expires_at) <= self.clock.now():
                raise UnauthorizedError("This token has expired")
            return self._principal(session, row)

    def token_session(self, token: str) -> tuple[Principal, str, datetime | None]:
        """For the portal's sign-in: the principal of a token, its stored hash (the key that signs
        its session cookies) and its expiry; 401 as :meth:`authenticate`."""
        principal = self.authenticate(f"Bearer {token}")
        return principal, hash_token(token.strip()), self._expiry(principal.token_pk)

    def _expiry(self, token_pk: int | None) -> datetime | None:
        with self._sessions() as session:
            row = session.get(AuthToken, token_pk)
            return (
                as_utc(row.expires_at) if row is not None and row.expires_at is not None else None
            )

    def principal_by_pk(self, token_pk: int) -> tuple[Principal, str] | None:
        """The principal of a valid (not revoked, not expired) token by number, with its stored hash;
        None otherwise. Used to check the portal's signed session cookies."""
        with self._sessions() as session:
            row = session.get(AuthToken, token_pk)
            if (
                row is None
                or row.revoked_at is not None
                or (row.expires_at is not None and as_utc(row.expires_at) <= self.clock.now())
            ):
                return None
            return self._principal(session, row), row.token_hash

    @staticmethod
    def _principal(session: Session, row: AuthToken) -> Principal:
        """The principal a stored token stands for."""
        provider: ItemRef | None = None
        if row.provider_pk is not None:
            item = session.get(StructureItem, row.provider_pk)
            scheme_row = session.get(StructureArtefact, item.artefact_pk) if item else None
            if item is not None and scheme_row is not None:
                provider = ItemRef(scheme=repo.ref_of_row(scheme_row), item_id=item.item_id)
        grants = frozenset(
            session.execute(
                select(AuthGrant.dataflow_pk).where(AuthGrant.token_pk == row.pk)
            ).scalars()
        )
        if not is_role(row.role):  # create_token stores only ROLES
            raise UnauthorizedError(f"This token has an unknown role {row.role!r}")
        return Principal(
            kind=row.role,
            name=row.name,
            token_pk=row.pk,
            provider_pk=row.provider_pk,
            provider=provider,
            agency=row.agency,
            grants=grants,
        )


def require_authenticated(principal: Principal) -> None:
    """401 for anonymous callers."""
    if principal.kind == "anonymous":
        raise UnauthorizedError("This operation needs a token: 'Authorization: Bearer <token>'")


def require_structure_writer(principal: Principal, agency: str) -> None:
    """Structures are written by administrators and the maintainers of their agency."""
    require_authenticated(principal)
    if principal.is_admin:
        return
    if (
        principal.kind == "maintainer"
        and principal.agency is not None
        and (agency == principal.agency or agency.startswith(principal.agency + "."))
    ):
        return
    raise ForbiddenError(f"{principal.label} may not write structures of agency {agency}")


def may_read(
    principal: Principal, dataflow_pk: int, is_public: bool, provider_pks: frozenset[int]
) -> bool:
    """Whether ``principal`` may read the data of a dataflow."""
    if is_public or principal.is_admin:
        return True
    if principal.kind == "provider" and principal.provider_pk in provider_pks:
        return True
    return dataflow_pk in principal.grants


def require_read(
    principal: Principal,
    dataflow: str,
    dataflow_pk: int,
    is_public: bool,
    provider_pks: frozenset[int],
) -> None:
    """401/403 unless ``principal`` may read this dataflow's data."""
    if may_read(principal, dataflow_pk, is_public, provider_pks):
        return
    if principal.kind == "anonymous":
        raise UnauthorizedError(
            f"The data of {dataflow} are not public: use a token that grants them"
        )
    raise ForbiddenError(f"{principal.label} may not read the data of {dataflow}")


def require_preview(
    principal: Principal, dataflow: str, provider_pks: frozenset[int]
) -> int | None:
    """Embargoed data are visible to administrators (all) and the dataflow's producers (their own).

    Returns whose embargoed batches the preview includes (None: every producer's).
    """
    require_authenticated(principal)
    if principal.is_admin:
        return None
    if principal.kind == "provider" and principal.provider_pk in provider_pks:
        return principal.provider_pk
    raise ForbiddenError(f"{principal.label} may not preview embargoed data of {dataflow}")
