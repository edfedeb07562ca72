"""sdmx1's DataSourceTest battery (clients.md §1e) against the server at SDMX_SERVER_URL.

``supports`` is true exactly for what the server implements and the test store holds;
unsupported endpoints run with ``force=True`` as strict expected failures, so the
server must refuse them with a 4xx or 501.
"""

from __future__ import annotations

import os

import pytest
import sdmx
from sdmx.exceptions import XMLParseError
from sdmx.session import Session
from sdmx.tests.test_sources import DataSourceTest

SOURCE = os.environ.get("SDMX_BATTERY_SOURCE", "TESTSRC")

sdmx.add_source(
    {
        "id": SOURCE,
        "name": "our SDMX server",
        "url": os.environ["SDMX_SERVER_URL"] + "/rest",
        "versions": ["2.1"],
        "supports": {
            "availableconstraint": True,
            "structure-specific data": True,
            "preview": True,
            # implemented, but the test store holds none of these:
            "actualconstraint": False,
            "dataconsumerscheme": False,
            "organisationunitscheme": False,
            # not implemented (answered with 501):
            "hierarchicalcodelist": False,
            "metadataflow": False,
            "metadatastructure": False,
            "process": False,
            "reportingtaxonomy": False,
            "structureset": False,
            "metadata": False,
            "registration": False,
            "attachementconstraint": False,
            "customtypescheme": False,
            "namepersonalisationscheme": False,
            "rulesetscheme": False,
            "transformationscheme": False,
            "userdefinedoperatorscheme": False,
            "vtlmappingscheme": False,
            "schema": True,
        },
    },
    override=True,
)


class TestOurServer(DataSourceTest):
    source_id = SOURCE
    endpoint_args = {
        "data": {
            "resource_id": "EXR",
            "key": "M.USD.EUR.SP00.A",
            "params": {"startPeriod": "2010", "endPeriod": "2012"},
        },
        "availableconstraint": {"resource_id": "EXR", "key": "M.USD.EUR.SP00.A"},
        "codelist": {"resource_id": "CL_FREQ"},
        "dataflow": {"resource_id": "EXR"},
        "schema": {"context": "dataflow", "agency_id": "ECB", "resource_id": "EXR"},
    }
    xfail = {
        # The server answers with a correct XSD, but sdmx1 has no XSD reader (clients.md §1c).
        "schema": XMLParseError,
    }

    @pytest.fixture(scope="class")
    def client(self):
        yield sdmx.Client(self.source_id, session=Session())
