"""Dataflow- or DSD-specific XSD for SDMX-ML 3.0 and 3.1 structure-specific data (``/rest/v2/schema``).

The same restrictions as for 2.1 (:mod:`sdmx_server.formats.sdmx_ml21_schema`), of the 3.x base
types: there are no ``TimeSeries*`` types, and a data set is an unbounded choice of groups, series
(or, for ``AllDimensions``, observations).
"""

from __future__ import annotations

from sdmx_server.domain.dsd_info import DsdInfo
from sdmx_server.formats.sdmx_ml21_schema import SchemaWriter
from sdmx_server.formats.xml_ns import NS30, NS31


class Schema30Writer(SchemaWriter):
    """SDMX-ML 3.0."""

    common_ns = NS30["com"]
    ss_ns = NS30["ss"]
    time_series_bases = False
    choice_max = "unbounded"


class Schema31Writer(Schema30Writer):
    """SDMX-ML 3.1."""

    common_ns = NS31["com"]
    ss_ns = NS31["ss"]


def write_schema_3(
    info: DsdInfo, namespace: str, dim_at_obs: str, schema_base: str, version: str = "3.0"
) -> bytes:
    """The SDMX-ML 3.x XSD (``version`` 3.0 or 3.1) for structure-specific data of ``info``."""
    writer = Schema31Writer if version == "3.1" else Schema30Writer
    return writer(info, namespace, dim_at_obs, schema_base).build()
