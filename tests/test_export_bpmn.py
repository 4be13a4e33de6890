"""The flow map exports as BPMN 2.0 XML and SVG, marked with a case's position when asked."""
import io
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from tests import scenario

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def run(*args):
    out = io.StringIO()
    call_command("export_bpmn", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class TestExportBpmn:
    def test_bpmn_has_every_step_and_gateway(self):
        root = ET.fromstring(run().encode())
        process = root.find(f"{BPMN}process")
        names = {el.get("id") for el in process}
        for node in ("start", "allocate", "meeting_model", "prepare_network", "hold_meeting", "approval_decision",
                     "approve_team_manager", "approve_service_manager", "approve_head_of_service",
                     "authorise_payments", "wait_for_review", "review", "end"):
            assert f"id_node_{node}" in names
        assert len(process.findall(f"{BPMN}exclusiveGateway")) == 5
        assert root.find("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram") is not None

    def test_svg_for_a_case(self, world):
        case = scenario.allocated(world)
        svg = run("--svg", "--case", case.reference)
        assert svg.lstrip().startswith("<svg")

    def test_unknown_case(self, db):
        with pytest.raises(CommandError):
            run("--case", "FGDM-1999-000000")
