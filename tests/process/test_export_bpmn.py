"""The flow map exports as BPMN 2.0 XML that validates against the OMG XSD, and as SVG."""

import io
import pathlib

import pytest
import SpiffWorkflow.bpmn.parser as spiff_parser
from django.core.management import CommandError, call_command
from lxml import etree

from tests import scenario

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "userTask",
    "scriptTask",
    "exclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "intermediateCatchEvent",
)


def run(*args):
    out = io.StringIO()
    call_command("export_bpmn", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def omg_schema():
    """The OMG BPMN 2.0 XSDs (BPMN20.xsd, Semantic.xsd, BPMNDI.xsd, DC.xsd, DI.xsd) as SpiffWorkflow ships them."""
    schema_dir = pathlib.Path(spiff_parser.__file__).parent / "schema"
    return etree.XMLSchema(etree.parse(str(schema_dir / "BPMN20.xsd")))


@pytest.fixture
def bpmn(db):
    return etree.fromstring(run().encode())


def flow_nodes(root):
    process = root.find("bpmn:process", NS)
    return [el for el in process if etree.QName(el).localname in FLOW_NODES]


@pytest.mark.django_db
class TestExportBpmn:
    def test_validates_against_the_omg_xsd(self, bpmn, omg_schema):
        assert omg_schema.validate(bpmn), omg_schema.error_log

    def test_a_case_marked_map_validates_too(self, world, omg_schema):
        case = scenario.allocated(world)
        root = etree.fromstring(run("--case", case.reference).encode())
        assert omg_schema.validate(root), omg_schema.error_log
        names = {el.get("id"): el.get("name") for el in flow_nodes(root)}
        assert names["id_node_allocate"].endswith("(done)")

    def test_the_schema_catches_a_broken_file(self, bpmn, omg_schema):
        """Guard against a schema that accepts anything."""
        etree.SubElement(bpmn.find("bpmn:process", NS), "{%s}notAnElement" % NS["bpmn"])
        assert not omg_schema.validate(bpmn)

    def test_has_every_step_and_gateway(self, bpmn):
        ids = {el.get("id") for el in flow_nodes(bpmn)}
        for node in (
            "start",
            "allocate",
            "meeting_model",
            "prepare_network",
            "hold_meeting",
            "approval_decision",
            "approve_team_manager",
            "approve_service_manager",
            "approve_head_of_service",
            "authorise_payments",
            "wait_for_review",
            "review",
            "end",
        ):
            assert f"id_node_{node}" in ids
        deciding = [el for el in bpmn.iterfind(".//bpmn:exclusiveGateway", NS) if el.get("id").startswith("id_node_")]
        assert len(deciding) == 10

    def test_shows_the_paths_off_the_main_line(self, bpmn):
        """Decline, close at any step, reopen, cancel and reschedule a meeting, change a package at
        any time, and a package's own review are each drawn."""
        names = {el.get("id"): el.get("name") for el in flow_nodes(bpmn)}
        flows = {
            (f.get("sourceRef"), f.get("targetRef")): f.get("name") for f in bpmn.iterfind(".//bpmn:sequenceFlow", NS)
        }
        assert names["id_node_referral_decision"] == "Referral declined?"
        assert ("id_node_referral_decision", "id_merge_close_case") in flows  # decline
        close = bpmn.find(".//bpmn:intermediateCatchEvent[@id='id_node_close_request']", NS)
        assert close.find("bpmn:messageEventDefinition", NS) is not None  # close at any step
        assert bpmn.find(".//bpmn:eventBasedGateway[@id='id_node_reopen_window']", NS) is not None
        assert ("id_node_reopen_request", "id_merge_case_open") in flows  # reopen
        assert flows[("id_node_meeting_outcome", "id_merge_map_network")] == "cancelled"
        assert ("id_node_meeting_outcome", "id_merge_hold_meeting") in flows  # rescheduled: hold it later
        assert ("id_node_after_approval", "id_merge_package_submitted") in flows  # a change, any time
        assert "id_node_review_package" in names and "id_node_package_review_due" in names

    def test_incoming_and_outgoing_on_every_flow_node(self, bpmn):
        flows = {f.get("id"): f for f in bpmn.iterfind(".//bpmn:sequenceFlow", NS)}
        for node in flow_nodes(bpmn):
            kind = etree.QName(node).localname
            incoming = [el.text for el in node.iterfind("bpmn:incoming", NS)]
            outgoing = [el.text for el in node.iterfind("bpmn:outgoing", NS)]
            assert incoming or kind == "startEvent", node.get("id")
            assert outgoing or kind == "endEvent", node.get("id")
            assert all(flows[i].get("targetRef") == node.get("id") for i in incoming)
            assert all(flows[o].get("sourceRef") == node.get("id") for o in outgoing)
        referenced = {el.text for el in bpmn.iterfind(".//bpmn:incoming", NS)}
        assert referenced == set(flows)

    def test_no_implicit_joins_and_no_gateway_both_joins_and_forks(self, bpmn):
        for node in flow_nodes(bpmn):
            incoming = node.findall("bpmn:incoming", NS)
            outgoing = node.findall("bpmn:outgoing", NS)
            if len(incoming) > 1:
                assert etree.QName(node).localname == "exclusiveGateway" and len(outgoing) == 1, node.get("id")

    def test_every_branch_of_a_decision_has_a_condition_and_a_name(self, bpmn):
        flows = {f.get("id"): f for f in bpmn.iterfind(".//bpmn:sequenceFlow", NS)}
        for gateway in bpmn.iterfind(".//bpmn:exclusiveGateway", NS):
            outgoing = [flows[el.text] for el in gateway.iterfind("bpmn:outgoing", NS)]
            if len(outgoing) < 2:
                continue
            for flow in outgoing:
                assert flow.get("name"), flow.get("id")
                if flow.get("id") != gateway.get("default"):
                    assert flow.find("bpmn:conditionExpression", NS).text.strip(), flow.get("id")

    def test_diagram_has_a_shape_per_node_and_an_edge_per_flow(self, bpmn):
        plane = bpmn.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
        assert plane.get("bpmnElement") == bpmn.find("bpmn:process", NS).get("id")
        shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS) for s in plane.iterfind("bpmndi:BPMNShape", NS)}
        assert set(shapes) == {el.get("id") for el in flow_nodes(bpmn)}, set(shapes) ^ {
            el.get("id") for el in flow_nodes(bpmn)
        }
        edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
        assert set(edges) == {f.get("id") for f in bpmn.iterfind(".//bpmn:sequenceFlow", NS)}
        assert all(len(e.findall("di:waypoint", NS)) >= 2 for e in edges.values())
        boxes = [
            (float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))
            for b in shapes.values()
        ]
        for i, (x, y, w, h) in enumerate(boxes):
            for x2, y2, w2, h2 in boxes[i + 1 :]:
                assert not (x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h), "shapes overlap"

    def test_svg_for_a_case(self, world):
        case = scenario.allocated(world)
        svg = run("--svg", "--case", case.reference)
        assert svg.lstrip().startswith("<svg")

    def test_unknown_case(self, db):
        with pytest.raises(CommandError):
            run("--case", "FGDM-1999-000000")
