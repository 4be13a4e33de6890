"""The family network as a picture: the children in the middle, the people around them, grouped
by how they are related. Plain geometry for templates/fgdm/includes/network_picture.svg (no
drawing library: a ring of circles is all it is)."""

import math
from textwrap import wrap

from fgdm.constants import Relationship

# The order round the ring (clockwise from the top) and the group each relationship is drawn in.
RELATIONSHIP_ORDER = [
    Relationship.PARENT,
    Relationship.GRANDPARENT,
    Relationship.AUNT_UNCLE,
    Relationship.ADULT_SIBLING,
    Relationship.OTHER_RELATIVE,
    Relationship.FRIEND,
    Relationship.NEIGHBOUR,
    Relationship.FAITH_COMMUNITY,
    Relationship.COMMUNITY_VOLUNTEER,
    Relationship.OTHER,
]
GROUPS = {
    Relationship.PARENT: "parent",
    Relationship.GRANDPARENT: "family",
    Relationship.AUNT_UNCLE: "family",
    Relationship.ADULT_SIBLING: "family",
    Relationship.OTHER_RELATIVE: "family",
}
GROUP_WORDS = {"parent": "Parent", "family": "Family", "community": "Friends and community"}

NODE_R = 36  # a person's circle
CENTRE_R = 78  # the children's circle
LABEL_CHARS = 12  # a name wraps at this many characters
LINE = 28  # the height of one line of a label
PER_PERSON = 150  # the length of ring each person needs for their label


def network_picture(*, children, members) -> dict:
    """The picture's geometry: the children's names in the middle, one node per member round a
    ring (wider the more people there are), each with its label, group and whether it is excluded
    for safety or lives with the child."""
    ordered = sorted(members, key=lambda m: (_rank(m.relationship), m.full_name.lower()))
    count = len(ordered)
    radius = max(175, round(count * PER_PERSON / (2 * math.pi))) if count else 0
    nodes = []
    for n, member in enumerate(ordered):
        angle = -math.pi / 2 + 2 * math.pi * n / count
        x, y = round(radius * math.cos(angle), 1), round(radius * math.sin(angle), 1)
        name_lines = wrap(member.full_name, LABEL_CHARS)[:2] or [""]
        words = member.get_relationship_display()
        if member.excluded_from_meetings:
            words += " · excluded"
        nodes.append(
            {
                "member": member,
                "x": x,
                "y": y,
                # the line from the child stops at the edge of both circles
                "x1": round(CENTRE_R * math.cos(angle), 1),
                "y1": round(CENTRE_R * math.sin(angle), 1),
                "x2": round((radius - NODE_R) * math.cos(angle), 1),
                "y2": round((radius - NODE_R) * math.sin(angle), 1),
                "initials": "".join(part[0] for part in member.full_name.split()[:2]).upper(),
                **_label(name_lines, above=y < -1),
                "relationship": words,
                "group": GROUPS.get(member.relationship, "community"),
                "excluded": member.excluded_from_meetings,
                "lives_with_child": member.lives_with_child,
            }
        )
    names = [child.first_name for child in children][:4]
    centre_lines = [
        {"text": text, "dy": round((i - (len(names) - 1) / 2) * LINE + 7, 1)} for i, text in enumerate(names)
    ]
    half = radius + NODE_R + LINE * 4 if count else CENTRE_R + 20
    half_w = max(half, radius + 110) if count else half
    return {
        "nodes": nodes,
        "centre_lines": centre_lines,
        "centre_r": CENTRE_R,
        "node_r": NODE_R,
        "view_box": f"{-half_w} {-half} {2 * half_w} {2 * half}",
        "groups": sorted({node["group"] for node in nodes}, key=list(GROUP_WORDS).index),
        "group_words": GROUP_WORDS,
        "any_excluded": any(node["excluded"] for node in nodes),
        "any_lives_with": any(node["lives_with_child"] for node in nodes),
    }


def _label(name_lines: list[str], *, above: bool) -> dict:
    """Where a person's name and relationship go: below their circle, or above it for the people
    in the top half of the ring (so the label never crosses the line to the child)."""
    rows = len(name_lines) + 1
    first = -NODE_R - 8 - LINE * (rows - 1) if above else NODE_R + LINE
    return {
        "lines": [{"text": text, "dy": first + LINE * i} for i, text in enumerate(name_lines)],
        "relationship_dy": first + LINE * len(name_lines),
    }


def _rank(relationship: str) -> int:
    try:
        return RELATIONSHIP_ORDER.index(relationship)
    except ValueError:
        return len(RELATIONSHIP_ORDER)
