"""SDMX-ML 3.0 and 3.1 structure-specific data (``application/vnd.sdmx.data+xml;version=3.0.0|3.1.0``), streamed.

The body markup is the one of SDMX-ML 2.1 structure-specific data (series and observations with
their components as XML attributes; written by :class:`StructureSpecificWriter`); what differs is
the message namespaces, the header (``StructureUsage`` is a URN, provision agreements are their own
``Structure``) and the data set tag (no ``dataScope``). The data set is typed by the dataflow-specific
XSD that ``/rest/v2/schema`` serves (:mod:`sdmx_server.formats.sdmx_ml30_schema`).
"""

from __future__ import annotations

from collections.abc import Iterator

from sdmx_server.formats.data_context import DataContext, PackedWriter, Row
from sdmx_server.formats.sdmx_ml21_data_common import STRUCTURE_ID
from sdmx_server.formats.sdmx_ml21_ss import StructureSpecificWriter, ss_namespace
from sdmx_server.formats.xml_ns import escape_attr, iso, ns3_data


def urn(cls: str, agency: str, id_: str, version: str) -> str:
    """An SDMX 3.0 URN of a dataflow (``datastructure`` package) or provision agreement (``registry``)."""
    package = "registry" if cls == "ProvisionAgreement" else "datastructure"
    return f"urn:sdmx:org.sdmx.infomodel.{package}.{cls}={agency}:{id_}({version})"


class StructureSpecific3Writer(StructureSpecificWriter):
    """Streams one SDMX-ML 3.x structure-specific data message."""

    def __init__(self, ctx: DataContext, version: str = "3.0") -> None:
        super().__init__(ctx)
        self.ns = ns3_data(version[-1])

    def prologue(self) -> str:
        """Declaration, root and header."""
        ctx = self.ctx
        r = ctx.render
        df = ctx.info.dataflow
        ss_ns = ss_namespace(ctx)
        decls = " ".join(
            f'xmlns:{k}="{escape_attr(v)}"'
            for k, v in {
                "mes": self.ns["mes"],
                "com": self.ns["com"],
                "ss": self.ns["ss"],
                "xsi": self.ns["xsi"],
                "ns1": ss_ns,
            }.items()
        )
        parts = [
            f"<?xml version='1.0' encoding='UTF-8'?><mes:StructureSpecificData {decls}>",
            "<mes:Header>",
            f"<mes:ID>{r.message_id}</mes:ID><mes:Test>false</mes:Test>",
            f"<mes:Prepared>{iso(r.prepared)}</mes:Prepared>",
            f'<mes:Sender id="{escape_attr(r.sender)}"/>',
            f'<mes:Structure structureID="{STRUCTURE_ID}" namespace="{escape_attr(ss_ns)}" '
            f'dimensionAtObservation="{ctx.dim_at_obs}">',
            f"<com:StructureUsage>{escape_attr(urn('Dataflow', df.agency, df.id, df.version))}</com:StructureUsage>",
            "</mes:Structure>",
        ]
        for n, pa in enumerate(ctx.provision_agreements, start=1):
            parts += [
                f'<mes:Structure structureID="PA{n}" namespace="{escape_attr(ss_ns)}" '
                f'dimensionAtObservation="{ctx.dim_at_obs}">',
                f"<com:ProvisionAgreement>{escape_attr(urn('ProvisionAgreement', pa.agency, pa.id, pa.version))}"
                "</com:ProvisionAgreement></mes:Structure>",
            ]
        parts.append("</mes:Header>")
        return "".join(parts)

    def epilogue(self) -> str:
        """The closing root tag."""
        return "</mes:StructureSpecificData>"

    def dataset_tag_attributes(self) -> str:
        """SDMX-ML 3.x data sets have no ``dataScope``."""
        return f'ss:structureRef="{STRUCTURE_ID}" xsi:type="ns1:DataSetType"'


def write_data30(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """``application/vnd.sdmx.data+xml;version=3.0.0``."""
    return StructureSpecific3Writer(ctx, "3.0").write(batches)


def write_data31(ctx: DataContext, batches: Iterator[list[Row]]) -> Iterator[bytes]:
    """``application/vnd.sdmx.data+xml;version=3.1.0``."""
    return StructureSpecific3Writer(ctx, "3.1").write(batches)


def packed_data30(ctx: DataContext) -> PackedWriter | None:
    """The packed-path writer of SDMX-ML 3.0 data (ADR 0016), when the layout allows it."""
    return StructureSpecific3Writer(ctx, "3.0").packed()


def packed_data31(ctx: DataContext) -> PackedWriter | None:
    """The packed-path writer of SDMX-ML 3.1 data (ADR 0016), when the layout allows it."""
    return StructureSpecific3Writer(ctx, "3.1").packed()
