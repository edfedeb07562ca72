"""Pieces shared by the SDMX-ML 2.1 data writers: message roots, header, data set tags."""

from __future__ import annotations

from sdmx_server.formats.data_context import DataContext, DatasetInfo
from sdmx_server.formats.xml_ns import NS21, escape_attr, iso, iso_exact

STRUCTURE_ID = "STR1"


def _ref(agency: str, id_: str, version: str, cls: str, package: str) -> str:
    return f'<Ref agencyID="{agency}" id="{id_}" version="{version}" class="{cls}" package="{package}"/>'


def header(ctx: DataContext, *, namespace: str | None = None, agreements: bool = True) -> str:
    """``mes:Header`` with one ``mes:Structure`` for the dataflow (plus one per provision agreement,
    unless ``agreements`` is False: time-series generic data allows one ``mes:Structure`` only)."""
    r = ctx.render
    df = ctx.info.dataflow
    ns_attr = f' namespace="{escape_attr(namespace)}"' if namespace else ""
    parts = [
        "<mes:Header>",
        f"<mes:ID>{r.message_id}</mes:ID><mes:Test>false</mes:Test>",
        f"<mes:Prepared>{iso(r.prepared)}</mes:Prepared>",
        f'<mes:Sender id="{escape_attr(r.sender)}"/>',
        f'<mes:Structure structureID="{STRUCTURE_ID}"{ns_attr} dimensionAtObservation="{ctx.dim_at_obs}">',
        "<com:StructureUsage>",
        _ref(df.agency, df.id, df.version, "Dataflow", "datastructure"),
        "</com:StructureUsage></mes:Structure>",
    ]
    for n, pa in enumerate(ctx.provision_agreements if agreements else (), start=1):
        parts += [
            f'<mes:Structure structureID="PA{n}"{ns_attr} dimensionAtObservation="{ctx.dim_at_obs}">',
            "<com:ProvisionAgrement>",
            _ref(pa.agency, pa.id, pa.version, "ProvisionAgreement", "registry"),
            "</com:ProvisionAgrement></mes:Structure>",
        ]
    parts.append("</mes:Header>")
    return "".join(parts)


def root_open(name: str, extra_ns: dict[str, str]) -> str:
    """The XML declaration and the opening root tag with its namespaces."""
    ns = {"mes": NS21["mes"], "com": NS21["com"], **extra_ns}
    decls = " ".join(f'xmlns:{k}="{escape_attr(v)}"' for k, v in ns.items())
    return f"<?xml version='1.0' encoding='UTF-8'?><mes:{name} {decls}>"


def dataset_attributes(ds: DatasetInfo, prefix: str = "") -> str:
    """``action``, ``validFromDate`` and ``validToDate`` attributes of a data set.

    Structure-specific data sets qualify them (``prefix="ss:"``), as the schema wants.
    """
    out = ""
    if ds.action:
        out += f' {prefix}action="{ds.action}"'
    if ds.valid_from is not None:
        out += f' {prefix}validFromDate="{iso_exact(ds.valid_from)}"'
    if ds.valid_to is not None:
        out += f' {prefix}validToDate="{iso_exact(ds.valid_to)}"'
    return out
