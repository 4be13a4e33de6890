"""The case flow drawn as SVG from viewflow's own layout, with where a case stands marked on it."""

import functools
from textwrap import wrap

from django.template.loader import render_to_string
from viewflow.workflow import chart
from viewflow.workflow.models import Task
from viewflow.workflow.nodes import MessageCatch, Split
from viewflow.workflow.status import STATUS

MAP_PAD = 60  # room around the drawing for the labels above events and gateways
# The part of the map shown on the case page: a window this size (in the map's units) around where
# the case stands, so that a 16-unit label is still about 14 px on a 390 px phone.
FOCUS_W, FOCUS_H = 400, 340


CURRENT_STATUSES = {STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED, STATUS.SCHEDULED}


STATE_WORDS = {"done": "done", "current": "the case is here now", "problem": "stopped with an error"}


@functools.lru_cache(maxsize=4)
def _flow_layout(flow_class):
    """Where viewflow's layout puts each node and edge of the flow (the same for every case)."""
    grid = chart.calc_layout_data(flow_class)
    cells = []
    for cell in grid.cells:  # in the flow's order, start first
        node, shape = cell.node, cell.shape
        title = str(node.task_title) if node.task_title else node.name.replace("_", " ").capitalize()
        boxed = shape.width >= 100  # a task: the title goes inside; events and gateways get a label above
        if boxed:
            lines = wrap(title, 17)
            top = shape.height / 2 - (len(lines) - 1) * 19 / 2
            placed = [{"text": text, "x": shape.width / 2, "y": round(top + n * 19, 1)} for n, text in enumerate(lines)]
        else:
            lines = wrap(title, 14)
            placed = [
                {"text": text, "x": shape.width / 2, "y": -10 - (len(lines) - 1 - n) * 15}
                for n, text in enumerate(lines)
            ]
        cells.append(
            {
                "node": node,
                "name": node.name,
                "title": title,
                "x": shape.x,
                "y": shape.y,
                "svg": shape.svg,
                "halo_w": shape.width + 14,
                "halo_h": shape.height + 14,
                "lines": placed,
                "text_class": "step" if boxed else "label",
                "is_step": boxed,
            }
        )
    edges = []
    for edge in grid.edges:
        if not edge.segments:
            continue
        d = " ".join(f"{'M' if n == 0 else 'L'}{x},{y}" for n, (x, y) in enumerate(edge.segments))
        label_x, label_y = edge.label_pos or (None, None)
        edges.append({"d": d, "label": edge.label if edge.label_pos else "", "label_x": label_x, "label_y": label_y})
    return {"cells": cells, "edges": edges, "width": grid.width, "height": grid.height}


def process_tasks(process_id) -> list[Task]:
    """A process's workflow tasks in the order they were made, with their owners: what flow_steps
    and flow_map read, for a page that shows both to read once."""
    if not process_id:
        return []
    return list(Task.objects.filter(process_id=process_id).select_related("owner").order_by("id"))


def flow_map(*, flow_class, process_id, title: str, closed: bool, tasks: list[Task] | None = None) -> dict:
    """The case flow drawn as SVG, with the steps this case has done and the step it is at marked.

    Built from viewflow's own layout (chart.calc_layout_data); the statuses come from the case's
    workflow tasks, an open task winning over an earlier done one (a plan accepted, then revised).
    `tasks`: the process's tasks when the caller has read them already (process_tasks).
    """
    layout = _flow_layout(flow_class)
    statuses: dict[str, set] = {}
    if tasks is not None:
        for task in tasks:
            statuses.setdefault(task.flow_task.name, set()).add(task.status)
    elif process_id:
        for node, status in Task.objects.filter(process_id=process_id).values_list("flow_task", "status"):
            statuses.setdefault(node.name, set()).add(status)
    cells, done, current = [], [], []
    for cell in layout["cells"]:
        seen = statuses.get(cell["name"], set())
        if isinstance(
            cell["node"], (MessageCatch, Split)
        ):  # always armed while the case is open: not a place it stands
            seen = seen - CURRENT_STATUSES
        state = (
            "current"
            if seen & CURRENT_STATUSES
            else "problem"
            if STATUS.ERROR in seen
            else "done"
            if STATUS.DONE in seen
            else ""
        )
        cells.append({**cell, "state": state, "state_label": STATE_WORDS.get(state, "")})
        if state == "current":
            current.append(cell["title"])
        elif state == "done" and cell["is_step"]:
            done.append(cell["title"])
    if closed:
        summary = "The case is closed."
    elif current:
        summary = "The case is at: " + "; ".join(current) + "."
    else:
        summary = "No step is open."
    width, height = layout["width"] + 2 * MAP_PAD, layout["height"] + 2 * MAP_PAD
    focus = _focus_box([c for c in cells if c["state"] == "current"] or [c for c in cells if c["state"] == "done"][-1:])
    data = {
        "cells": cells,
        "edges": layout["edges"],
        "width": width,
        "height": height,
        "view_box": f"{-MAP_PAD} {-MAP_PAD} {width} {height}",
        "title": title,
        "description": summary + (" Steps done: " + "; ".join(done) + "." if done else ""),
    }
    focus_data = {**data, "view_box": " ".join(str(v) for v in focus), "width": FOCUS_W, "height": FOCUS_H}
    focus_data["css_class"] = "flowmap-svg flowmap-svg--focus"
    return {
        "svg": render_to_string("core/flow_map.svg", {"map": {**data, "css_class": "flowmap-svg"}}),
        "focus_svg": render_to_string("core/flow_map.svg", {"map": focus_data}),
        "current": current,
        "done": done,
        "summary": summary,
    }


def _focus_box(cells) -> tuple[int, int, int, int]:
    """A FOCUS_W × FOCUS_H window (x, y, w, h) centred on these cells (where the case stands), so
    that their neighbours show around them; the start of the map when there are none."""
    if not cells:
        return (-MAP_PAD, -MAP_PAD, FOCUS_W, FOCUS_H)
    centres = [(c["x"] + (c["halo_w"] - 14) / 2, c["y"] + (c["halo_h"] - 14) / 2) for c in cells]
    cx = sum(x for x, _ in centres) / len(centres)
    cy = sum(y for _, y in centres) / len(centres)
    return (round(cx - FOCUS_W / 2), round(cy - FOCUS_H / 2), FOCUS_W, FOCUS_H)


# Words for a step's state in a task list (GOV.UK's task list pattern).
STEP_STATUS = {
    "done": "Completed",
    "current": "In progress",
    "problem": "Stopped with an error",
    "later": "Cannot start yet",
    "skipped": "Not needed",
    "not_done": "Not done",
}


def flow_steps(*, flow_class, process_id, closed: bool, tasks: list[Task] | None = None) -> list[dict]:
    """The flow's steps for people (its human tasks), in the order the flow declares them, each with
    its state: done, current (with its open tasks), problem, later (cannot start yet), skipped (a
    later step has been reached without it) or not_done (the case ended without it)."""
    names = {node.name for node in flow_class.instance.nodes()}
    nodes = [
        node for attr, node in vars(flow_class).items() if attr in names and getattr(node, "task_type", "") == "HUMAN"
    ]
    by_node: dict[str, list] = {}
    for task in process_tasks(process_id) if tasks is None else tasks:
        by_node.setdefault(task.flow_task.name, []).append(task)
    rows = []
    for node in nodes:
        seen = by_node.get(node.name, [])
        statuses = {t.status for t in seen}
        open_ = [t for t in seen if t.status in CURRENT_STATUSES]
        state = (
            "current" if open_ else "problem" if STATUS.ERROR in statuses else "done" if STATUS.DONE in statuses else ""
        )
        rows.append({"node": node, "title": str(node.task_title), "state": state, "open_tasks": open_})
    reached = [n for n, row in enumerate(rows) if row["state"]]
    last_reached = max(reached) if reached else -1
    for n, row in enumerate(rows):
        if not row["state"]:
            row["state"] = "not_done" if closed else "skipped" if n < last_reached else "later"
        row["status"] = STEP_STATUS[row["state"]]
    return rows
