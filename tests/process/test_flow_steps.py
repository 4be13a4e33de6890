"""Flow node names live in the flow alone: services report actions through the workflow port
(core.workflow.advance), and the process's table (process.flows.STEPS) maps each to its task.

These fail when a human task of the flow has no action, when an action names no task of the
flow, or when a service reports an action the process does not know.
"""

import ast
import pathlib

from viewflow.workflow import flow

from network_packages.constants import TIER_ORDER
from process.flows import ALSO_COMPLETES, STEPS, CaseFlow
from process.workflow import REACTIONS

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOMAIN_APPS = ("fgdm", "network_packages", "payments")


def _targets(entry) -> list:
    if isinstance(entry, dict):
        return list(entry.values())
    return list(entry) if isinstance(entry, tuple) else [entry]


def _human_tasks() -> set:
    return {node for node in CaseFlow.instance.nodes() if isinstance(node, flow.View)}


def _events() -> set:
    """What the flow waits for that a person's step delivers (a submission, a closing, a reopening)."""
    return {node for node in CaseFlow.instance.nodes() if isinstance(node, flow.MessageCatch)}


def test_every_human_task_is_completed_by_an_action():
    completed = {node for entry in STEPS.values() for node in _targets(entry)} | set(ALSO_COMPLETES.values())
    missing = sorted(node.name for node in _human_tasks() - completed)
    assert missing == [], f"human tasks no action completes: {missing}"


def test_every_event_the_flow_waits_for_is_delivered_by_an_action():
    delivered = {node for entry in STEPS.values() for node in _targets(entry)}
    missing = sorted(node.name for node in _events() - delivered)
    assert missing == [], f"events no action delivers: {missing}"


def test_every_action_names_a_human_task_or_an_event_of_the_flow():
    tasks = _human_tasks() | _events()
    for action, entry in [*STEPS.items(), *ALSO_COMPLETES.items()]:
        for node in _targets(entry):
            assert node in tasks, f"{action} names {node}, not a human task or event of the case flow"


def test_an_approval_decision_has_a_task_for_every_tier():
    for action, entry in STEPS.items():
        if isinstance(entry, dict):
            assert set(entry) == set(TIER_ORDER), action


def _reported_actions() -> dict[str, list[str]]:
    """Every action string a domain app passes to workflow.advance(...), with where it is."""
    found: dict[str, list[str]] = {}
    for app in DOMAIN_APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "advance"):
                    continue
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
                assert action is not None, f"{path}:{node.lineno}: advance() without an action"
                literals = [
                    n.value for n in ast.walk(action) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                ]
                assert literals, f"{path}:{node.lineno}: the action is not written out"
                for literal in literals:
                    found.setdefault(literal, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_action_a_service_reports_is_known_to_the_process():
    reported = _reported_actions()
    assert len(reported) >= 15  # the scan found the services
    unknown = {action: where for action, where in reported.items() if action not in STEPS and action not in REACTIONS}
    assert unknown == {}, f"actions the process does not know: {unknown}"


def test_every_action_in_the_table_is_reported_by_some_service():
    reported = _reported_actions()
    unused = sorted(set(STEPS) - set(reported)) + sorted(set(REACTIONS) - set(reported))
    assert unused == [], f"actions no service reports: {unused}"


def test_no_domain_app_names_a_node():
    """The names of the human tasks appear in the process app only (the flow, its routing, its BPMN
    export): no domain app completes a node by name. ("review" is also an ordinary word.)"""
    names = {node.name for node in _human_tasks()} - {"review"}
    for app in DOMAIN_APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                    raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} names the node {node.value!r}")
