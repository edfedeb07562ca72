"""SDMX-ML data messages over several dataflows: SDMX-ML 3.0/3.1 and 2.1 structure-specific, 2.1 generic
(not generic time series, whose header has exactly one ``Structure``).

The header has one ``mes:Structure`` per dataflow (``STR1``, ``STR2`` ...; a provision agreement's own
structure follows its dataflow's, ``STR1PA1`` ...), and each ``mes:DataSet`` names its structure
(``structureRef``). A structure-specific data set declares its dataflow's namespace itself
(``xmlns:ns1`` on the ``DataSet``), so its ``xsi:type`` and its groups' types resolve against its own
dataflow-specific schema. The data sets are the bodies of the single-dataflow writers
(:mod:`sdmx_server.formats.sdmx_ml21_ss`, :mod:`sdmx_server.formats.sdmx_ml30_data`,
:mod:`sdmx_server.formats.sdmx_ml21_generic`), without their envelopes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sdmx_server.formats.data_context import DataContext, Row
from sdmx_server.formats.data_parts import DataPart
from sdmx_server.formats.sdmx_ml21_data_common import STRUCTURE_ID, root_open
from sdmx_server.formats.sdmx_ml21_generic import GenericWriter
from sdmx_server.formats.sdmx_ml21_ss import StructureSpecificWriter, ss_namespace
from sdmx_server.formats.sdmx_ml30_data import StructureSpecific3Writer, urn
from sdmx_server.formats.xml_ns import NS21, escape_attr, iso, ns3_data


def _sid(n: int) -> str:
    return f"STR{n}"


def _header_open(ctx: DataContext) -> str:
    r = ctx.render
    return (
        "<mes:Header>"
        f"<mes:ID>{r.message_id}</mes:ID><mes:Test>false</mes:Test>"
        f"<mes:Prepared>{iso(r.prepared)}</mes:Prepared>"
        f'<mes:Sender id="{escape_attr(r.sender)}"/>'
    )


def _ref21(agency: str, id_: str, version: str, cls: str, package: str) -> str:
    return (
        f'<Ref agencyID="{escape_attr(agency)}" id="{escape_attr(id_)}" version="{escape_attr(version)}" '
        f'class="{cls}" package="{package}"/>'
    )


def header21(parts: Sequence[DataPart], *, namespaces: bool) -> str:
    """The SDMX-ML 2.1 header: one ``mes:Structure`` per part (``namespace`` for structure-specific data)."""
    out = [_header_open(parts[0].context)]
    for n, part in enumerate(parts, start=1):
        ctx = part.context
        df = ctx.info.dataflow
        ns = f' namespace="{escape_attr(ss_namespace(ctx))}"' if namespaces else ""
        obs = f'dimensionAtObservation="{ctx.dim_at_obs}"'
        out.append(
            f'<mes:Structure structureID="{_sid(n)}"{ns} {obs}><com:StructureUsage>'
            + _ref21(df.agency, df.id, df.version, "Dataflow", "datastructure")
            + "</com:StructureUsage></mes:Structure>"
        )
        for m, pa in enumerate(ctx.provision_agreements, start=1):
            out.append(
                f'<mes:Structure structureID="{_sid(n)}PA{m}"{ns} {obs}><com:ProvisionAgrement>'
                + _ref21(pa.agency, pa.id, pa.version, "ProvisionAgreement", "registry")
                + "</com:ProvisionAgrement></mes:Structure>"
            )
    out.append("</mes:Header>")
    return "".join(out)


def header3(parts: Sequence[DataPart]) -> str:
    """The SDMX-ML 3.x header: one ``mes:Structure`` per part, structures named by URN."""
    out = [_header_open(parts[0].context)]
    for n, part in enumerate(parts, start=1):
        ctx = part.context
        df = ctx.info.dataflow
        attrs = f'namespace="{escape_attr(ss_namespace(ctx))}" dimensionAtObservation="{ctx.dim_at_obs}"'
        out.append(
            f'<mes:Structure structureID="{_sid(n)}" {attrs}><com:StructureUsage>'
            f"{escape_attr(urn('Dataflow', df.agency, df.id, df.version))}"
            "</com:StructureUsage></mes:Structure>"
        )
        for m, pa in enumerate(ctx.provision_agreements, start=1):
            out.append(
                f'<mes:Structure structureID="{_sid(n)}PA{m}" {attrs}><com:ProvisionAgreement>'
                f"{escape_attr(urn('ProvisionAgreement', pa.agency, pa.id, pa.version))}"
                "</com:ProvisionAgreement></mes:Structure>"
            )
    out.append("</mes:Header>")
    return "".join(out)


class _InsideEnvelope:
    """A structure-specific writer's data sets without their message: the envelope writes that."""

    def prologue(self) -> str:
        """None: the envelope writes it."""
        return ""

    def epilogue(self) -> str:
        """None: the envelope writes it."""
        return ""


class _SsDataSets(_InsideEnvelope, StructureSpecificWriter):
    """The data sets of one dataflow, SDMX-ML 2.1 structure-specific, inside a message over several."""

    def __init__(self, ctx: DataContext, structure_id: str, *, timeseries: bool) -> None:
        super().__init__(ctx, timeseries=timeseries)
        self.structure_id = structure_id

    def dataset_tag_attributes(self) -> str:
        """Its own structure, and its dataflow's namespace declared on the data set."""
        return (
            f'xmlns:ns1="{escape_attr(ss_namespace(self.ctx))}" ss:structureRef="{self.structure_id}" '
            'xsi:type="ns1:DataSetType" ss:dataScope="Dataflow"'
        )


class _Ss3DataSets(_InsideEnvelope, StructureSpecific3Writer):
    """The data sets of one dataflow, SDMX-ML 3.x, inside a message over several."""

    def __init__(self, ctx: DataContext, version: str, structure_id: str) -> None:
        super().__init__(ctx, version)
        self.structure_id = structure_id

    def dataset_tag_attributes(self) -> str:
        """Its own structure, and its dataflow's namespace declared on the data set."""
        return (
            f'xmlns:ns1="{escape_attr(ss_namespace(self.ctx))}" ss:structureRef="{self.structure_id}" '
            'xsi:type="ns1:DataSetType"'
        )


class _GenericDataSets(GenericWriter):
    """The data sets of one dataflow, SDMX-ML 2.1 generic, inside a message over several: the single
    writer's output without its root and header, each data set naming its own structure."""

    def __init__(self, ctx: DataContext, structure_id: str) -> None:
        super().__init__(ctx)
        self.structure_id = structure_id

    def _parts(self, batches: Iterator[list[Row]]) -> Iterator[str]:
        for part in super()._parts(batches):
            if part.startswith(("<?xml", "<mes:Header>", "</mes:Generic")):
                continue  # the envelope's: root, header, closing root
            yield part

    def _open_dataset(self, ds_key: object) -> str:
        return (
            super()
            ._open_dataset(ds_key)
            .replace(f'structureRef="{STRUCTURE_ID}"', f'structureRef="{self.structure_id}"', 1)
        )


def _ss21(parts: Sequence[DataPart], timeseries: bool) -> Iterator[bytes]:
    root = "StructureSpecificTimeSeriesData" if timeseries else "StructureSpecificData"
    yield (
        root_open(root, {"ss": NS21["ss"], "xsi": NS21["xsi"]}) + header21(parts, namespaces=True)
    ).encode()
    for n, part in enumerate(parts, start=1):
        rows = part.open()
        yield from _SsDataSets(rows.context, _sid(n), timeseries=timeseries).write(rows.batches)
    yield f"</mes:{root}>".encode()


def _generic21(parts: Sequence[DataPart]) -> Iterator[bytes]:
    # (GenericTimeSeriesData's header has one Structure: it cannot carry several dataflows)
    yield (
        root_open("GenericData", {"gen": NS21["gen"]}) + header21(parts, namespaces=False)
    ).encode()
    for n, part in enumerate(parts, start=1):
        rows = part.open()
        yield from _GenericDataSets(rows.context, _sid(n)).write(rows.batches)
    yield b"</mes:GenericData>"


def _ss3(parts: Sequence[DataPart], version: str) -> Iterator[bytes]:
    ns = ns3_data(version[-1])
    decls = " ".join(f'xmlns:{k}="{escape_attr(ns[k])}"' for k in ("mes", "com", "ss", "xsi"))
    yield (
        f"<?xml version='1.0' encoding='UTF-8'?><mes:StructureSpecificData {decls}>"
        + header3(parts)
    ).encode()
    for n, part in enumerate(parts, start=1):
        rows = part.open()
        yield from _Ss3DataSets(rows.context, version, _sid(n)).write(rows.batches)
    yield b"</mes:StructureSpecificData>"


def write_data30_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """``application/vnd.sdmx.data+xml;version=3.0.0`` over several dataflows."""
    return _ss3(parts, "3.0")


def write_data31_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """``application/vnd.sdmx.data+xml;version=3.1.0`` over several dataflows."""
    return _ss3(parts, "3.1")


def write_ss21_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """``application/vnd.sdmx.structurespecificdata+xml;version=2.1`` over several dataflows."""
    return _ss21(parts, timeseries=False)


def write_ss_ts21_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """``application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1`` over several dataflows."""
    return _ss21(parts, timeseries=True)


def write_generic21_several(parts: Sequence[DataPart]) -> Iterator[bytes]:
    """``application/vnd.sdmx.genericdata+xml;version=2.1`` over several dataflows."""
    return _generic21(parts)
