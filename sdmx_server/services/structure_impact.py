"""Keeping stored data valid when structures change.

Before the store writes an artefact, :class:`DataGuard` names the dataflows
whose compiled structure (:class:`~sdmx_server.services.dsd_info.DsdInfo`) the
artefact can change and that hold data, and compiles them; after the write
(in the same transaction) it compiles them again and compares, asking the
database only about what changed:

* the key dimensions (ids, order, count, time dimension) and the measure must
  stay as they are while data are stored (the data were written with them);
* a code, or an allowed constraint, that no longer admits a value used by
  current data (dimension or attribute) is refused, naming how many series
  and observations use it;
* an attribute that holds values cannot be removed or moved to another
  attachment level, and one that becomes mandatory must already be present.

Changes that keep the data valid pass. Writers of the dataflows' data are
held off meanwhile (the same PostgreSQL advisory lock the data write path
takes; SQLite serialises writers anyway), so that no submission validated
against the old structure commits after the check.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from sdmx_server.domain.clock import utcnow
from sdmx_server.domain.errors import NoResultsError, SemanticError
from sdmx_server.domain.model import Artefact, ArtefactType, ProvisionAgreementDetails
from sdmx_server.services.data_validation import _constraint_errors
from sdmx_server.services.data_write import lock_dataflow
from sdmx_server.services.dsd_info import ComponentInfo, DsdInfo, load_dsd_info
from sdmx_server.storage import structure_repo as repo
from sdmx_server.storage import structure_usage as usage
from sdmx_server.storage.tables import StructureArtefact

Key = tuple[int, int | None]
"""(dataflow pk, provision agreement pk): ``None`` checks all the dataflow's data, a PA only its provider's."""

EXAMPLES = 5


def _codes(values: Iterable[str]) -> str:
    values = sorted(values)
    shown = ", ".join(values[:EXAMPLES])
    return shown + (f" and {len(values) - EXAMPLES} more" if len(values) > EXAMPLES else "")


def _allowed(info: DsdInfo, comp: ComponentInfo) -> frozenset[str] | None:
    """The values an attribute may take: its codes within every include region that names it."""
    allowed = comp.codes
    for constraint in info.constraints:
        for region in constraint.regions:
            values = region.values.get(comp.id)
            if region.include and values is not None:
                allowed = values if allowed is None else allowed & values
    return allowed


class DataGuard:
    """Checks, inside a structure write's transaction, that stored data stay valid."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or utcnow()

    # ------------------------------------------------------------------ what is affected

    def _dataflows_of(self, pks: Iterable[int]) -> set[int]:
        """Dataflows among ``pks`` or using the DSDs among them."""
        rows = repo.rows_by_pk(self.session, pks)
        flows = {r.pk for r in rows if r.type == ArtefactType.DATAFLOW.value}
        dsds = [r.pk for r in rows if r.type == ArtefactType.DATA_STRUCTURE.value]
        parents = {p for ps in repo.references_to(self.session, dsds).values() for p in ps}
        flows |= {
            r.pk
            for r in repo.rows_by_pk(self.session, parents)
            if r.type == ArtefactType.DATAFLOW.value
        }
        return flows

    def _pa_keys(self, pa_pks: Iterable[int]) -> set[Key]:
        keys: set[Key] = set()
        for row in repo.rows_by_pk(self.session, pa_pks):
            pa = repo.row_to_artefact(row)
            if isinstance(pa.details, ProvisionAgreementDetails):
                flow = repo.get_row(self.session, pa.details.dataflow)
                if flow is not None:
                    keys.add((flow.pk, row.pk))
        return keys

    def affected(
        self,
        artefact: Artefact,
        row: StructureArtefact | None,
        targets: list[tuple[str, int, int | None]],
    ) -> list[Key]:
        """The (dataflow, provision agreement) pairs holding data whose structure ``artefact`` may change.

        ``row`` is the stored artefact (None when new); ``targets`` are the
        references it will have (role, target pk, item pk).
        """
        s = self.session
        keys: set[Key] = set()
        t = artefact.type
        if row is not None and t is ArtefactType.CODELIST:
            dsds = {p for ps in repo.references_to(s, [row.pk]).values() for p in ps}
            keys |= {(f, None) for f in self._dataflows_of(dsds)}
        elif row is not None and t in (ArtefactType.DATA_STRUCTURE, ArtefactType.DATAFLOW):
            keys |= {(f, None) for f in self._dataflows_of([row.pk])}
        elif row is not None and t is ArtefactType.PROVISION_AGREEMENT:
            keys |= self._pa_keys([row.pk])
        elif t is ArtefactType.CONTENT_CONSTRAINT:
            attached = {tgt for role, tgt, _ in targets if role.startswith("attachment")}
            if row is not None:
                attached |= repo.references_from(s, [row.pk]).get(row.pk, set())
            rows = repo.rows_by_pk(s, attached)
            keys |= {(f, None) for f in self._dataflows_of(r.pk for r in rows)}
            keys |= self._pa_keys(
                r.pk for r in rows if r.type == ArtefactType.PROVISION_AGREEMENT.value
            )
        if not keys:
            return []
        holding = usage.dataflows_holding_data(s, {f for f, _ in keys})
        out = []
        for flow, pa in sorted(keys, key=lambda k: (k[0], k[1] or 0)):
            if flow not in holding:
                continue
            if pa is not None:
                provider = self.provider_pk(pa)
                if provider is None or not usage.provider_holds_data(s, flow, provider):
                    continue
            out.append((flow, pa))
        return out

    def provider_pk(self, pa_pk: int) -> int | None:
        """The data provider (item pk) of a provision agreement."""
        row = self.session.get(StructureArtefact, pa_pk)
        if row is None:
            return None
        pa = repo.row_to_artefact(row)
        if not isinstance(pa.details, ProvisionAgreementDetails):
            return None
        scheme = repo.get_row(self.session, pa.details.data_provider.scheme)
        if scheme is None:
            return None
        return repo.item_pks(self.session, scheme.pk, [pa.details.data_provider.item_id]).get(
            pa.details.data_provider.item_id
        )

    # ------------------------------------------------------------------ before / after

    def lock(self, keys: Iterable[Key]) -> None:
        """Hold off data writers of these dataflows until the transaction ends (PostgreSQL)."""
        for flow in sorted({f for f, _ in keys}):
            lock_dataflow(self.session, flow)

    def compile(self, keys: Iterable[Key]) -> dict[Key, DsdInfo | str]:
        """Each dataflow's compiled structure (or why it cannot be compiled)."""
        out: dict[Key, DsdInfo | str] = {}
        for flow, pa in keys:
            flow_row = self.session.get(StructureArtefact, flow)
            pa_row = self.session.get(StructureArtefact, pa) if pa is not None else None
            if flow_row is None or (pa is not None and pa_row is None):
                out[(flow, pa)] = "it no longer exists"
                continue
            try:
                out[(flow, pa)] = load_dsd_info(self.session, flow_row, pa_row)
            except (SemanticError, NoResultsError) as exc:
                out[(flow, pa)] = exc.message
        return out

    def violations(self, before: dict[Key, DsdInfo | str]) -> list[str]:
        """What the write would invalidate, one sentence each (empty: the data stay valid)."""
        self.session.flush()
        after = self.compile(before)
        problems: list[str] = []
        for key, new in after.items():
            old = before[key]
            old_info = old if isinstance(old, DsdInfo) else None
            flow_row = self.session.get(StructureArtefact, key[0])
            label = repo.ref_of_row(flow_row).triplet if flow_row is not None else str(key[0])
            if isinstance(new, str):
                _, held = usage.held(self.session, key[0], self.now)
                problems.append(
                    f"the structure of {label}, which holds {held.describe()}, "
                    f"would become unusable: {new}"
                )
                continue
            if key[1] is not None:
                if old_info is None or old_info.constraints != new.constraints:
                    problems += self._constraint_problems(label, new, self.provider_pk(key[1]))
                continue
            problems += self._problems(label, old_info, new)
        return problems

    # ------------------------------------------------------------------ comparisons

    def _problems(self, label: str, old: DsdInfo | None, new: DsdInfo) -> list[str]:
        s, df, now = self.session, new.dataflow_pk, self.now
        if old is not None:
            if old.dimension_ids != new.dimension_ids or old.time_dimension != new.time_dimension:
                _, held = usage.held(s, df, now)
                dims = ", ".join(
                    old.dimension_ids + ((old.time_dimension,) if old.time_dimension else ())
                )
                new_dims = ", ".join(
                    new.dimension_ids + ((new.time_dimension,) if new.time_dimension else ())
                )
                return [
                    f"would change the dimensions of {label} from ({dims}) to ({new_dims}), but its "
                    f"{held.describe()} were written with the old ones"
                ]
            problems = []
            if old.primary_measure.id != new.primary_measure.id:
                _, held = usage.held(s, df, now)
                problems.append(
                    f"would change the measure of {label} from {old.primary_measure.id} to "
                    f"{new.primary_measure.id}, but its {held.describe()} hold values of the old one"
                )
            elif new.numeric_measure and not old.numeric_measure:
                _, held = usage.held(s, df, now)
                if held:
                    problems.append(
                        f"would make {new.primary_measure.id} of {label} numeric, but its "
                        f"{held.describe()} were not checked for numbers"
                    )
        else:
            problems = []
        for n, dim in enumerate(new.dimensions, 1):
            codes = dim.codes
            if codes is None:
                continue
            old_codes = old.dimensions[n - 1].codes if old is not None else None
            if old_codes is not None and old_codes <= codes:
                continue
            used = usage.dimension_usage(
                s, df, n, now, None if old_codes is None else old_codes - codes
            )
            bad = {v: u for v, u in used.items() if v not in codes}
            if bad:
                total = sum(bad.values(), usage.Usage())
                problems.append(
                    f"{dim.id} {_codes(bad)} {'is' if len(bad) == 1 else 'are'} used by "
                    f"{total.describe()} of {label} but would no longer be in {dim.codelist}"
                )
        if old is None or old.constraints != new.constraints:
            problems += self._constraint_problems(label, new, None)
        problems += self._attribute_problems(label, old, new)
        return problems

    def _constraint_problems(self, label: str, info: DsdInfo, provider_pk: int | None) -> list[str]:
        if not info.constraints:
            return []
        bad_series = bad_obs = 0
        examples: list[str] = []
        dims = info.dimension_ids
        for key, obs in usage.series_in_use(
            self.session, info.dataflow_pk, len(dims), self.now, provider_pk
        ):
            values = dict(zip(dims, key, strict=True))
            errors = [e for c in info.constraints for e in _constraint_errors(c, values, "", False)]
            if errors:
                bad_series += 1
                bad_obs += obs
                if len(examples) < EXAMPLES:
                    examples.append(f"{'.'.join(key)} ({errors[0].reason})")
        if not bad_series:
            return []
        whose = " (this provider's data)" if provider_pk is not None else ""
        return [
            f"the allowed constraints would exclude {usage.Usage(bad_series, bad_obs).describe()} stored in "
            f"{label}{whose}, e.g. {'; '.join(examples)}"
        ]

    def _attribute_problems(self, label: str, old: DsdInfo | None, new: DsdInfo) -> list[str]:
        s, df, now = self.session, new.dataflow_pk, self.now
        problems: list[str] = []
        old_attrs = old.attributes if old is not None else {}
        for attr_id, gone in old_attrs.items():
            moved = new.attributes.get(attr_id)
            if moved is not None and (moved.level, moved.group) == (gone.level, gone.group):
                continue
            used = usage.attribute_usage(s, df, attr_id, gone.level, now)
            if used:
                change = (
                    "removed"
                    if moved is None
                    else f"moved from {gone.level} to {moved.level} level"
                )
                problems.append(
                    f"attribute {attr_id} of {label} would be {change}, but {sum(used.values())} "
                    "stored values use it"
                )
        for attr_id, na in new.attributes.items():
            oa = old_attrs.get(attr_id)
            if oa is not None and (na.level, na.group) != (oa.level, oa.group):
                continue  # reported above
            allowed = _allowed(new, na)
            old_allowed = _allowed(old, oa) if old is not None and oa is not None else None
            if allowed is not None and (old_allowed is None or not old_allowed <= allowed):
                used = usage.attribute_usage(
                    s,
                    df,
                    attr_id,
                    na.level,
                    now,
                    None if old_allowed is None else old_allowed - allowed,
                )
                bad = {v: c for v, c in used.items() if v not in allowed}
                if bad:
                    problems.append(
                        f"attribute {attr_id} {_codes(bad)} {'is' if len(bad) == 1 else 'are'} used "
                        f"{sum(bad.values())} times in {label} but would no longer be allowed"
                    )
            if na.mandatory and (oa is None or not oa.mandatory):
                if na.level == "obs":
                    lacking = usage.observations_lacking(s, df, attr_id, now)
                    if lacking:
                        problems.append(
                            f"attribute {attr_id} would become mandatory, but {lacking} stored "
                            f"observations of {label} have no value for it"
                        )
                else:
                    _, held = usage.held(s, df, now)
                    if held:
                        problems.append(
                            f"attribute {attr_id} would become mandatory at {na.level} level while "
                            f"{label} holds {held.describe()} stored without that rule"
                        )
        return problems
