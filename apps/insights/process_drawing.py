"""The process map drawn as SVG on the server: geometry only, the template writes the elements.

The activities stand in one column, each below every activity that leads forward to it, the
more frequent first, so the usual path reads top to bottom. A transition to the
next activity is a short arrow between the two boxes; one that skips ahead runs in a lane on
the right, one that goes back (a loop, rework) in a lane on the left. Lanes are shared by
transitions whose spans do not overlap, so the drawing stays narrow. Every arrow carries its
count and median time as text (the map reads without colour) and its thickness follows its
count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NODE_W = 250
NODE_H = 46
GAP = 44  # between two boxes: room for the label of a straight arrow
LANE = 96  # lane spacing: a label fits between two lanes
TOP = 16
MARGIN = 24


@dataclass(frozen=True)
class Node:
    x: int
    y: int
    label: str
    name: str
    count: int
    cases: int

    @property
    def text_x(self) -> int:
        return self.x + NODE_W // 2


@dataclass(frozen=True)
class Arrow:
    path: str
    label_x: int
    label_y: int
    anchor: str  # SVG text-anchor
    text: str
    width: float
    source: str
    target: str
    title: str


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    nodes: list[Node]
    arrows: list[Arrow]


def _lanes(spans: list[tuple[int, int, int]]) -> dict[int, int]:
    """Edge index → lane number (0 nearest the boxes), greedily, shortest spans first; two
    edges share a lane when their closed ranges of rows do not meet."""
    taken: list[list[tuple[int, int]]] = []
    lane_of: dict[int, int] = {}
    for index, low, high in sorted(spans, key=lambda s: (s[2] - s[1], s[1], s[0])):
        for lane, ranges in enumerate(taken):
            if all(high < a or low > b for a, b in ranges):
                ranges.append((low, high))
                lane_of[index] = lane
                break
        else:
            taken.append([(low, high)])
            lane_of[index] = len(taken) - 1
    return lane_of


def _ordered(activities: list[dict[str, Any]], edges: list[dict[str, Any]]) -> list[dict]:
    """Top to bottom: each activity one row below the furthest activity that leads to it
    (longest path over the transitions that go forward in the cases' mean order; the others
    are loops), the more frequent first within a row."""
    place = {a["name"]: a["position"] for a in activities}
    rank = dict.fromkeys(place, 0)
    for name in sorted(place, key=lambda n: (place[n], n)):  # a topological order
        for e in edges:
            if e["to"] == name and e["from"] in place and place[e["from"]] < place[name]:
                rank[name] = max(rank[name], rank[e["from"]] + 1)
    return sorted(activities, key=lambda a: (rank[a["name"]], -a["cases"], a["name"]))


def hours_text(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.1f} d"
    if hours >= 1:
        return f"{hours:.1f} h"
    return f"{hours * 60:.0f} min"


def process_drawing(result: dict[str, Any]) -> Drawing:
    """`result` is apps.insights.process.process_map's."""
    activities = _ordered(result["activities"], result["edges"])
    row = {a["name"]: i for i, a in enumerate(activities)}
    edges = [e for e in result["edges"] if e["from"] in row and e["to"] in row]
    rows = [(i, row[e["from"]], row[e["to"]]) for i, e in enumerate(edges)]
    right = _lanes([(i, a, b) for i, a, b in rows if b > a + 1])  # forward, skipping
    left = _lanes([(i, b, a) for i, a, b in rows if b <= a])  # back, or to itself
    left_width = (max(left.values(), default=-1) + 1) * LANE
    x0 = MARGIN + left_width
    nodes = [
        Node(x0, TOP + i * (NODE_H + GAP), a["label"], a["name"], a["count"], a["cases"])
        for i, a in enumerate(activities)
    ]
    most = max((e["count"] for e in edges), default=1)
    arrows = []
    for i, edge in enumerate(edges):
        a, b = row[edge["from"]], row[edge["to"]]
        text = f"{edge['count']} · {hours_text(edge['hours_p50'])}"
        if b == a + 1:
            cx, y1, y2 = x0 + NODE_W // 2, nodes[a].y + NODE_H, nodes[b].y
            path, lx, ly, anchor = f"M{cx},{y1} V{y2 - 2}", cx + 8, (y1 + y2) // 2 + 4, "start"
        elif i in right:
            lane, side = right[i], x0 + NODE_W
            lx = side + 28 + lane * LANE
            ys, yt = nodes[a].y + NODE_H - 10 - 4 * (lane % 3), nodes[b].y + 10 + 4 * (lane % 3)
            path = f"M{side},{ys} H{lx} V{yt} H{side + 2}"
            ly, anchor = (ys + yt) // 2, "start"
            lx += 4
        else:
            lane, side = left[i], x0
            lx = side - 28 - lane * LANE
            ys, yt = nodes[a].y + NODE_H - 10 - 4 * (lane % 3), nodes[b].y + 10 + 4 * (lane % 3)
            path = f"M{side},{ys} H{lx} V{yt} H{side - 2}"
            ly, anchor = (ys + yt) // 2, "end"
            lx -= 4
        arrows.append(
            Arrow(
                path,
                lx,
                ly,
                anchor,
                text,
                round(1 + 4 * edge["count"] / most, 1),
                edge["from"],
                edge["to"],
                f"{activities[a]['label']} → {activities[b]['label']}: {text}",
            )
        )
    right_width = (max(right.values(), default=-1) + 1) * LANE + (40 if right else 80)
    height = TOP * 2 + max(len(nodes), 1) * (NODE_H + GAP) - GAP
    return Drawing(x0 + NODE_W + right_width + MARGIN, height, nodes, arrows)
