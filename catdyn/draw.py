"""Diagrams drawn: a self-contained SVG of every diagram a spec binds, each face coloured by
its verdict.

What is drawn (:func:`picture_of`): a :class:`~catdyn.diagram.Diagram` (its objects and
morphisms; a face per declared equation), a :class:`~catdyn.limits.Pullback` (the square, a
face for ``square commutes``), a :class:`~catdyn.limits.Cone`, a
:class:`~catdyn.limits.Limit` or :class:`~catdyn.limits.Colimit` (the diagram, the apex and its
legs dashed; a face per triangle of the (co)cone), and an experiment — live, an
``@experiment`` family as it builds for a preset, or the description a run stored — (its
nodes and arrows, an arrow reading several nodes from a product node ``×``; a dashed ``=`` edge
per declared equation, a pullback's square shaded round its objects). The layout is layered left to right
(:mod:`catdyn._draw_layout`); parallel arrows bend apart, endomorphisms loop.

After a check, each face is filled with its law's verdict — green proved or held, red
refuted, amber error, grey unchecked — and a legend lists every law of the thing with its
verdict. The SVG is plain text, with no script, font or image to fetch.

The HTML report embeds the same drawing by calling :func:`diagram_svg` (it takes the thing
and, optionally, ``{law name: status}``).

>>> from catdyn.categories.finset import FinSet
>>> from catdyn.diagram import Diagram
>>> A, B = FinSet.object("A", 2), FinSet.object("B", 2)
>>> f, g = FinSet.function("f", A, B, [0, 1]), FinSet.function("g", A, B, [0, 1])
>>> svg = diagram_svg(Diagram("pair", FinSet, [f, g], equations=[(["f"], ["g"])]), {"equation 1: f = g": "proved"})
>>> svg.startswith("<svg") and "f = g — proved" in svg and COLOURS["proved"] in svg
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from catdyn._draw_layout import layered_layout

COLOURS: dict[str, str] = {
    "proved": "#1a7f37",
    "held": "#2da44e",
    "refuted": "#cf222e",
    "error": "#bf8700",
    "unchecked": "#8c959f",
}
"""Fill colour of a face by its verdict."""

RUN_COLOURS: dict[str, str] = {
    "computed": "#4c9a2a",
    "reused": "#3a7dc9",
    "failed": "#c0392b",
    "blocked": "#d68910",
    "reproduced": "#4c9a2a",
    "held": "#4c9a2a",
    "proved": "#4c9a2a",
    "not reproduced": "#c0392b",
    "contradicted": "#c0392b",
    "refuted": "#c0392b",
    "error": "#c0392b",
    "inconclusive": "#d68910",
    "not measured": "#888888",
}
"""A run's colours: an arrow's by its task's outcome, an object's outline by its claims' worst verdict."""

_MARK = {"proved": "✓", "held": "✓", "refuted": "✗", "error": "!", "unchecked": "?"}
_FONT = 13
_CHAR = 7.4  # approximate width of one character at the font size
_ROW = 96
_MARGIN = 28


@dataclass(frozen=True)
class Arrow:
    """An arrow ``src → dst`` with a label; ``style`` is ``solid``, ``leg`` (dashed: a
    (co)cone's leg), ``equal`` (dashed, no head: a declared equality of nodes) or ``factor``
    (dotted, no head: a factor of a product an experiment's step reads)."""

    key: str
    src: str
    dst: str
    label: str
    style: str = "solid"


@dataclass(frozen=True)
class Face:
    """A face: two parallel paths of arrows (keys) declared equal, checked by ``law``."""

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    law: str


@dataclass
class Picture:
    """What to draw of one thing: nodes (id, label), arrows, faces, the laws its legend lists,
    and nodes whose layer is fixed (an apex first, say). A run adds the outcome of each arrow's
    task (``arrow_status``, by arrow key: computed, reused, failed, blocked), the worst verdict
    of the claims each object holds (``object_status``) and a tooltip per object (``notes``)."""

    title: str
    nodes: list[tuple[str, str]]
    arrows: list[Arrow]
    faces: list[Face] = field(default_factory=list)
    laws: list[str] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)
    arrow_status: dict[str, str] = field(default_factory=dict)
    object_status: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


# --- what each thing looks like ------------------------------------------------------------------
def _diagram_picture(d: Any, title: str) -> Picture:
    nodes = [(o.name, o.name) for o in d.objects]
    arrows = [Arrow(m.name, m.dom.name, m.cod.name, m.name) for m in d.morphisms]
    faces = [
        Face(eq.name, tuple(m.name for m in eq.lhs), tuple(m.name for m in eq.rhs), f"equation {i + 1}: {eq.name}")
        for i, eq in enumerate(d.equations)
    ]
    return Picture(title, nodes, arrows, faces, [f.law for f in faces])


def _universal_picture(u: Any, title: str, co: bool) -> Picture:
    pic = _diagram_picture(u.diagram, title)
    tip = u.apex.name
    pic.nodes.insert(0, (tip, tip))
    for obj_name, leg in u.legs.items():
        src, dst = (obj_name, tip) if co else (tip, obj_name)
        pic.arrows.append(Arrow(f"leg:{obj_name}", src, dst, leg.name, "leg"))
    law = "cocone commutes" if co else "cone commutes"
    for m in u.diagram.morphisms:
        if co:
            pic.faces.append(Face(f"{m.name} >> {u.legs[m.cod.name].name}", (m.name, f"leg:{m.cod.name}"), (f"leg:{m.dom.name}",), law))
        else:
            pic.faces.append(Face(f"{u.legs[m.dom.name].name} >> {m.name}", (f"leg:{m.dom.name}", m.name), (f"leg:{m.cod.name}",), law))
    word = "cocone" if co else "cone"
    pic.laws = [law, f"every {word} factors", "factorisation is unique"]
    pic.fixed = {} if co else {tip: 0}
    return pic


def _pullback_picture(pb: Any, title: str) -> Picture:
    sp = pb.cospan
    names = [pb.apex.name, sp.left.dom.name, sp.right.dom.name, sp.left.cod.name]
    nodes = [(n, n) for n in dict.fromkeys(names)]
    arrows = [
        Arrow("p", pb.apex.name, sp.left.dom.name, pb.left.name, "leg"),
        Arrow("q", pb.apex.name, sp.right.dom.name, pb.right.name, "leg"),
        Arrow("f", sp.left.dom.name, sp.left.cod.name, sp.left.name),
        Arrow("g", sp.right.dom.name, sp.right.cod.name, sp.right.name),
    ]
    law = "square commutes" if hasattr(pb, "factor") else "cone commutes"
    face = Face(f"{pb.left.name} >> {sp.left.name} = {pb.right.name} >> {sp.right.name}", ("p", "f"), ("q", "g"), law)
    laws = [law, "every cone factors", "factorisation is unique"] if hasattr(pb, "factor") else [law]
    return Picture(title, nodes, arrows, [face], laws, {pb.apex.name: 0})


OUTCOMES = ("computed", "reused", "failed", "blocked")
"""The outcomes of a run's tasks, each an arrow's colour in a run's drawing."""

CLAIM_VERDICTS = ("error", "refuted", "contradicted", "not reproduced", "inconclusive", "not measured", "held",
                  "proved", "reproduced")
"""Verdicts of claims, worst first: an object outlined by a run shows its claims' worst."""


def worst_verdict(verdicts: Sequence[str]) -> str:
    """The verdict an object shows for its claims: the first of :data:`CLAIM_VERDICTS` present.

    >>> worst_verdict(["reproduced", "inconclusive"]), worst_verdict([])
    ('inconclusive', '')
    """
    for v in CLAIM_VERDICTS:
        if v in verdicts:
            return v
    return verdicts[0] if verdicts else ""


def _path_between(arrows: Sequence[Arrow], a: str, b: str) -> list[str] | None:
    """Arrow keys from ``a`` to ``b``: one step, or through the product node a step reads."""
    for x in arrows:
        if (x.src, x.dst) == (a, b) and x.style == "solid":
            return [x.key]
    for x in arrows:
        if x.src == a and x.style == "factor":
            for y in arrows:
                if (y.src, y.dst) == (x.dst, b) and y.style == "solid":
                    return [x.key, y.key]
    return None


def _equation_face(eq: Mapping[str, Any], arrows: Sequence[Arrow], key: str) -> Face:
    """The face an equation closes: round its ``face`` nodes (a pullback's square: apex, left,
    left leg, right leg, right) when the steps between them are found, else the dashed edge."""
    face = list(eq.get("face") or [])
    if eq["lhs"] in face and eq["rhs"] in face and face.index(eq["lhs"]) < face.index(eq["rhs"]):
        i, j = face.index(eq["lhs"]), face.index(eq["rhs"])
        left_nodes, right_nodes = face[: i + 1], [face[0], *reversed(face[j:])]
        lhs = [_path_between(arrows, u, v) for u, v in itertools.pairwise(left_nodes)]
        rhs = [_path_between(arrows, u, v) for u, v in itertools.pairwise(right_nodes)]
        if all(p is not None for p in lhs + rhs) and rhs:
            return Face(eq["name"], (*(k for p in lhs for k in p), key), tuple(k for p in rhs for k in p), eq["name"])
    return Face(eq["name"], (key,), (key,), eq["name"])


def experiment_picture(
    description: Mapping[str, Any],
    outcomes: Mapping[str, str] | None = None,
    claims: Mapping[str, Sequence[str]] | None = None,
) -> Picture:
    """The picture of an experiment from its description (``describe()``, as a run stores it):
    the point ``1``, one object per node, one arrow per morphism (from a product node ``×``, with
    a dotted line from each factor, when the arrow reads several nodes), and a dashed ``=`` edge
    per declared equation whose face is shaded by its verdict. ``outcomes`` (``{arrow: outcome}``)
    colours each arrow; ``claims`` (``{arrow: [verdicts]}``) outlines the node an arrow writes in
    its claims' worst verdict. (A stored description lists the nodes under ``stages`` and the
    arrows under ``steps``: the keys every catdyn has written, so old runs still draw.)

    >>> d = {"name": "e", "stages": [{"name": "x", "kind": "array"}],
    ...      "steps": [{"name": "draw", "dom": [], "cod": "x"}]}
    >>> pic = experiment_picture(d, {"draw": "failed"})
    >>> [n for n, _ in pic.nodes], [(a.src, a.dst, a.label) for a in pic.arrows], pic.arrow_status
    (['1', 'x'], [('1', 'x', 'draw')], {'draw': 'failed'})
    """
    outcomes, claims = outcomes or {}, claims or {}
    kinds = {s["name"]: s.get("kind", "") for s in description["stages"]}
    nodes = [("1", "1")] + [(n, n) for n in kinds]
    notes = {n: f"{n}: {k}" for n, k in kinds.items() if k}
    arrows: list[Arrow] = []
    for st in description["steps"]:
        dom = list(st["dom"])
        src = dom[0] if len(dom) == 1 else "1"
        if len(dom) > 1:
            src = " × ".join(dom)
            if src not in dict(nodes):
                nodes.append((src, "×"))
                notes[src] = src
                arrows += [Arrow(f"{src}[{i}]", d, src, "", "factor") for i, d in enumerate(dom)]
        arrows.append(Arrow(st["name"], src, st["cod"], st["name"]))
    faces = []
    for eq in description.get("equations", []):
        key = f"= {eq['name']}"
        arrows.append(Arrow(key, eq["lhs"], eq["rhs"], "=", "equal"))
        faces.append(_equation_face(eq, arrows, key))
    status = {st["name"]: outcomes[st["name"]] for st in description["steps"] if st["name"] in outcomes}
    held = {st["cod"]: worst_verdict(list(claims[st["name"]])) for st in description["steps"] if claims.get(st["name"])}
    for n, v in held.items():
        notes[n] = f"{notes.get(n, n)}; claims: {v}"
    preset = description.get("preset")
    title = f"{description['name']} — experiment" + (f" ({preset} preset)" if preset else "")
    return Picture(title, nodes, arrows, faces, [f.law for f in faces], arrow_status=status,
                   object_status=held, notes=notes)


def _description_of(thing: Any, preset: str | None = None) -> Mapping[str, Any] | None:
    """The description of an experiment: of the one a family builds for ``preset`` (default:
    smoke, else its first preset), of a live experiment, or the one a run stored; else ``None``."""
    if callable(getattr(thing, "build", None)) and isinstance(getattr(thing, "presets", None), Mapping):
        names = list(thing.presets)
        thing = thing.build(preset or ("smoke" if "smoke" in names else names[0]))
    if callable(getattr(thing, "describe", None)) and callable(getattr(thing, "producer", None)):
        return thing.describe()
    if isinstance(thing, Mapping) and {"name", "stages", "steps"} <= set(thing):
        return thing
    return None


def picture_of(thing: Any, name: str = "", preset: str | None = None) -> Picture | None:
    """What to draw of a spec's thing, or ``None`` when it is not a diagram. An experiment
    family is drawn as it builds for ``preset``; an experiment (live, or the description a run
    stored) by :func:`experiment_picture`."""
    from catdyn.diagram import Diagram
    from catdyn.limits import Colimit, Cone, Limit, Pullback

    desc = _description_of(thing, preset)
    if desc is not None:
        return experiment_picture(desc)
    title = name or getattr(thing, "name", "") or type(thing).__name__
    if isinstance(thing, Diagram):
        return _diagram_picture(thing, f"{title} — diagram in {thing.category.name}")
    if isinstance(thing, Limit):
        return _universal_picture(thing, f"{title} — {thing.kind} of {thing.diagram.name}", co=False)
    if isinstance(thing, Colimit):
        return _universal_picture(thing, f"{title} — {thing.kind} of {thing.diagram.name}", co=True)
    if isinstance(thing, (Pullback, Cone)):
        kind = "pullback" if isinstance(thing, Pullback) else "cone"
        return _pullback_picture(thing, f"{title} — {kind} over {thing.cospan.name}")
    return None


# --- geometry -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Geometry:
    centre: dict[str, tuple[float, float]]
    half: dict[str, tuple[float, float]]
    width: float
    height: float


def _geometry(pic: Picture) -> _Geometry:
    ids = [n for n, _ in pic.nodes]
    place = layered_layout(ids, [(a.src, a.dst) for a in pic.arrows], pic.fixed)
    labels = dict(pic.nodes)
    half = {n: (max(28.0, len(labels[n]) * _CHAR / 2 + 12), 16.0) for n in ids}
    longest_edge = max((len(a.label) for a in pic.arrows), default=0) * _CHAR
    widest = max((2 * w for w, _ in half.values()), default=0.0)
    column = max(150.0, widest + 70.0, longest_edge + 80.0)
    rows = max((i for _, i in place.values()), default=0) + 1
    per_layer: dict[int, int] = {}
    for k, _ in place.values():
        per_layer[k] = per_layer.get(k, 0) + 1
    centre = {}
    for n, (k, i) in place.items():
        offset = (rows - per_layer[k]) * _ROW / 2
        centre[n] = (_MARGIN + widest / 2 + k * column, _MARGIN + 70 + offset + i * _ROW)
    layers = max((k for k, _ in place.values()), default=0) + 1
    return _Geometry(centre, half, 2 * _MARGIN + widest + (layers - 1) * column, 70 + rows * _ROW)


def _curves(pic: Picture, geo: _Geometry) -> dict[str, tuple[tuple[float, float], ...]]:
    """Each arrow as ``(start, control, end, label point)``; loops as a cubic's two controls."""
    groups: dict[frozenset[str], list[Arrow]] = {}
    for a in pic.arrows:
        groups.setdefault(frozenset((a.src, a.dst)), []).append(a)
    out = {}
    arcs: dict[tuple[str, str], int] = {}  # arcs already bent round objects, per end and side
    for a in pic.arrows:
        group = groups[frozenset((a.src, a.dst))]
        j = group.index(a)
        (x0, y0), (x1, y1) = geo.centre[a.src], geo.centre[a.dst]
        if a.src == a.dst:
            w, h = geo.half[a.src]
            lift = h + 26 + 22 * j
            out[a.key] = ((x0 - w / 2, y0 - h), (x0 - w, y0 - h - lift), (x0 + w, y0 - h - lift), (x0 + w / 2, y0 - h), (x0, y0 - h - 0.75 * lift))
            continue
        bend = (j - (len(group) - 1) / 2) * 40.0
        if a.src > a.dst:  # the same sign of bend for both directions between two objects
            bend = -bend
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy) or 1.0
        if len(group) == 1 and _passes_a_node(geo, a, (x0, y0), (x1, y1)):
            # an arrow that would run through another object arcs round it: legs above, others below
            side = -1.0 if a.style != "solid" else 1.0
            end = a.src if a.style == "leg" and pic.fixed.get(a.src) == 0 else a.dst
            k = arcs.get((end, str(side)), 0)
            arcs[(end, str(side))] = k + 1
            bend = side * (max(44.0, 0.16 * length) + 30.0 * k)
        nx_, ny_ = -dy / length, dx / length
        cx, cy = (x0 + x1) / 2 + nx_ * bend, (y0 + y1) / 2 + ny_ * bend
        start = _clip(geo, a.src, (cx, cy))
        end = _clip(geo, a.dst, (cx, cy))
        mid = (0.25 * start[0] + 0.5 * cx + 0.25 * end[0], 0.25 * start[1] + 0.5 * cy + 0.25 * end[1])
        out[a.key] = (start, (cx, cy), end, mid)
    return out


def _passes_a_node(geo: _Geometry, a: Arrow, p0: tuple[float, float], p1: tuple[float, float]) -> bool:
    """Whether the straight segment ``p0 → p1`` runs through an object other than its ends."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    length2 = dx * dx + dy * dy or 1.0
    for n, (x, y) in geo.centre.items():
        if n in (a.src, a.dst):
            continue
        t = ((x - p0[0]) * dx + (y - p0[1]) * dy) / length2
        if 0.0 < t < 1.0:
            px, py = p0[0] + t * dx, p0[1] + t * dy
            w, h = geo.half[n]
            if abs(px - x) < w + 6 and abs(py - y) < h + 10:
                return True
    return False


def _clip(geo: _Geometry, node: str, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the segment from the node's centre toward a point leaves the node's box."""
    (x, y), (w, h) = geo.centre[node], geo.half[node]
    dx, dy = toward[0] - x, toward[1] - y
    if dx == 0 and dy == 0:
        return (x, y)
    t = min(w / abs(dx) if dx else math.inf, h / abs(dy) if dy else math.inf)
    return (x + dx * t * 1.08, y + dy * t * 1.08)


# --- SVG ----------------------------------------------------------------------------------------
def _f(x: float) -> str:
    return f"{x:.1f}"


def _status(verdicts: Mapping[str, str], law: str) -> str:
    status = verdicts.get(law, "unchecked")
    return status if status in COLOURS else "unchecked"


def _face_points(face: Face, pic: Picture, geo: _Geometry, curves: Mapping[str, Any]) -> list[tuple[float, float]]:
    arrows = {a.key: a for a in pic.arrows}
    pts: list[tuple[float, float]] = []
    for key in face.lhs:
        pts += [geo.centre[arrows[key].src], curves[key][-1]]
    pts.append(geo.centre[arrows[face.lhs[-1]].dst])
    for key in reversed(face.rhs):
        pts += [curves[key][-1], geo.centre[arrows[key].src]]
    return pts


def _render(pic: Picture, verdicts: Mapping[str, str], top: float) -> tuple[list[str], float, float]:
    geo = _geometry(pic)
    curves = _curves(pic, geo)
    out = [f'<g transform="translate(0,{_f(top)})">']
    out.append(f'<text x="{_MARGIN}" y="26" class="title">{escape(pic.title)}</text>')
    for face in pic.faces:
        status = _status(verdicts, face.law)
        pts = _face_points(face, pic, geo, curves)
        cx, cy = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        if any(abs(cx - c[-1][0]) < 40 and abs(cy - c[-1][1]) < 16 for c in curves.values()):
            cy += 22  # keep the badge off an arrow's label
        colour = COLOURS[status]
        poly = " ".join(f"{_f(x)},{_f(y)}" for x, y in pts)
        out.append(
            f'<g class="face {status}"><title>{escape(face.name)}: {status}</title>'
            f'<polygon points="{poly}" fill="{colour}" fill-opacity="0.16" stroke="none"/>'
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="9" fill="{colour}"/>'
            f'<text x="{_f(cx)}" y="{_f(cy + 4)}" class="mark">{_MARK[status]}</text></g>'
        )
    for a in pic.arrows:
        out.append(_arrow_svg(a, curves[a.key], pic.arrow_status.get(a.key, "")))
    labels = dict(pic.nodes)
    for n, (x, y) in geo.centre.items():
        out.append(_object_svg(labels[n], (x, y), geo.half[n], pic.object_status.get(n, ""), pic.notes.get(n, "")))
    y = geo.height + 4
    for law in pic.laws:
        status = _status(verdicts, law)
        out.append(
            f'<g class="legend"><rect x="{_MARGIN}" y="{_f(y - 10)}" width="12" height="12" fill="{COLOURS[status]}"/>'
            f'<text x="{_MARGIN + 18}" y="{_f(y)}">{escape(law)} — {status}</text></g>'
        )
        y += 18
    out.append("</g>")
    width = max(geo.width, _MARGIN * 2 + max((len(x) + 12 for x in [pic.title, *pic.laws]), default=0) * _CHAR)
    return out, width, y + 10


def _css_class(status: str) -> str:
    """A status as a class name (``not reproduced`` → ``not-reproduced``)."""
    return status.replace(" ", "-")


def _object_svg(label: str, centre: tuple[float, float], half: tuple[float, float], status: str, note: str) -> str:
    (x, y), (w, h) = centre, half
    cls = f"object {_css_class(status)}" if status else "object"
    tip = f"<title>{escape(note)}</title>" if note else ""
    return (
        f'<g class="{cls}">{tip}<rect x="{_f(x - w)}" y="{_f(y - h)}" width="{_f(2 * w)}" height="{_f(2 * h)}" rx="6"/>'
        f'<text x="{_f(x)}" y="{_f(y + 4.5)}">{escape(label)}</text></g>'
    )


def _arrow_svg(a: Arrow, curve: tuple[tuple[float, float], ...], status: str = "") -> str:
    if len(curve) == 5:
        (s, c1, c2, e, mid) = curve
        path = f"M{_f(s[0])},{_f(s[1])} C{_f(c1[0])},{_f(c1[1])} {_f(c2[0])},{_f(c2[1])} {_f(e[0])},{_f(e[1])}"
    else:
        (s, c, e, mid) = curve
        path = f"M{_f(s[0])},{_f(s[1])} Q{_f(c[0])},{_f(c[1])} {_f(e[0])},{_f(e[1])}"
    head = "" if a.style in ("equal", "factor") else ' marker-end="url(#head)"'
    cls = f"arrow {a.style} {_css_class(status)}" if status else f"arrow {a.style}"
    tip = f"{a.key}: {status}" if status else a.key
    text = (
        f'<text x="{_f(mid[0])}" y="{_f(mid[1] - 5)}" class="halo">{escape(a.label)}</text>'
        f'<text x="{_f(mid[0])}" y="{_f(mid[1] - 5)}" class="label">{escape(a.label)}</text>'
    ) if a.label else ""
    return f'<g class="{cls}"><title>{escape(tip)}</title><path d="{path}"{head}/>{text}</g>'



_STYLE = (
    "<style>"
    f"text{{font-family:'DejaVu Sans',Arial,sans-serif;font-size:{_FONT}px;text-anchor:middle;fill:#1f2328}}"
    ".title{font-size:15px;font-weight:bold;text-anchor:start}"
    ".legend text{text-anchor:start}"
    ".object rect{fill:#ffffff;stroke:#1f2328;stroke-width:1.3}"
    ".arrow path{fill:none;stroke:#1f2328;stroke-width:1.4}"
    ".arrow.leg path{stroke-dasharray:6 4}"
    ".arrow.equal path{stroke-dasharray:3 3;stroke:#57606a}"
    ".arrow.factor path{stroke-dasharray:1.5 3;stroke:#8c959f}"
    + "".join(f".arrow.{k} path{{stroke:{c}}}" for k, c in RUN_COLOURS.items() if k in OUTCOMES)
    + "".join(f".object.{_css_class(k)} rect{{stroke:{c};stroke-width:2.6}}" for k, c in RUN_COLOURS.items()
              if k not in OUTCOMES)
    + ".label{font-style:italic}"
    ".halo{font-style:italic;fill:#ffffff;stroke:#ffffff;stroke-width:4px}"
    ".mark{fill:#ffffff;font-size:12px;font-weight:bold}"
    "</style>"
    '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
    'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f2328"/></marker></defs>'
)


def pictures_svg(items: Sequence[tuple[Picture, Mapping[str, str]]]) -> str:
    """One SVG document with the pictures one under another.

    >>> pictures_svg([]).count("<g")
    0
    """
    body: list[str] = []
    top, width = 0.0, 200.0
    for pic, verdicts in items:
        parts, w, h = _render(pic, verdicts, top)
        body += parts
        top += h + 16
        width = max(width, w)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(max(top, 40.0))}" '
        f'viewBox="0 0 {_f(width)} {_f(max(top, 40.0))}" role="img">'
        + _STYLE
        + '<rect width="100%" height="100%" fill="#ffffff"/>'
        + "".join(body)
        + "</svg>\n"
    )


def diagram_svg(
    diagram: Any,
    verdicts: Mapping[str, str] | None = None,
    name: str = "",
    *,
    outcomes: Mapping[str, str] | None = None,
    claims: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """A self-contained SVG of one diagram (a Diagram, Pullback, Cone, Limit, Colimit, an
    experiment or the description of one a run stored), with faces coloured by ``verdicts``
    (``{law name: status}``, as a check's results name them). For an experiment, ``outcomes``
    (``{step: outcome}``) colours each step's arrow and ``claims`` (``{step: [verdicts]}``)
    outlines the stage each step writes. This is the function the HTML report calls.

    >>> diagram_svg(3)
    Traceback (most recent call last):
    ...
    catdyn.errors.DrawError: cannot draw int: it is not a diagram. Draw a Diagram, Pullback, Cone, Limit, Colimit or an experiment.
    """
    from catdyn.errors import DrawError

    desc = _description_of(diagram)
    pic = experiment_picture(desc, outcomes, claims) if desc is not None else picture_of(diagram, name)
    if pic is None:
        raise DrawError.not_a_diagram(diagram)
    return pictures_svg([(pic, verdicts or {})])


# --- specs --------------------------------------------------------------------------------------
def _top_level_defs(source: str) -> dict[str, int]:
    """Functions and classes defined at a module's top level, with their line (a decorated
    ``def`` binds an experiment family)."""
    import ast

    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {n.name: n.lineno for n in ast.parse(source).body if isinstance(n, kinds)}


def spec_pictures(
    path: str | Path, verdicts: Mapping[str, Mapping[str, str]] | None = None, preset: str | None = None
) -> tuple[list[tuple[Picture, Mapping[str, str]]], list[str]]:
    """Load a spec and picture every diagram bound at its top level (in binding order, an
    experiment family as it builds for ``preset``), with the verdicts of its subject
    (``{subject: {law: status}}``); also the names not drawn."""
    from catdyn.checker.discovery import _bindings, load_spec

    p = Path(path)
    module = load_spec(p)
    source = p.read_text(encoding="utf-8")
    assigned, _ = _bindings(source)
    lines = {name: b.line for name, b in assigned.items()}
    for name, line in _top_level_defs(source).items():
        value = getattr(module, name, None)
        if callable(getattr(value, "build", None)) and hasattr(value, "presets"):
            lines[name] = line
    drawn, skipped = [], []
    for name, _line in sorted(lines.items(), key=lambda kv: kv[1]):
        if name.startswith("_") or not hasattr(module, name):
            continue
        pic = picture_of(getattr(module, name), name, preset)
        if pic is None:
            skipped.append(name)
        else:
            drawn.append((pic, (verdicts or {}).get(name, {})))
    return drawn, skipped


def verdicts_of(results: Sequence[Any]) -> dict[str, dict[str, str]]:
    """``{subject: {law: status}}`` from a check's :class:`~catdyn.checker.law.LawResult` list.

    >>> from catdyn.checker.law import LawResult
    >>> verdicts_of([LawResult("cone commutes", "limit", "proved", "exhaustive", subject="P")])
    {'P': {'cone commutes': 'proved'}}
    """
    out: dict[str, dict[str, str]] = {}
    for r in results:
        out.setdefault(r.subject, {})[r.law] = r.status
    return out


# --- the command line: catdyn draw SPEC ----------------------------------------------------------
def add_draw_command(sub: Any) -> None:
    """Add ``catdyn draw`` to the command line's subparsers."""
    draw = sub.add_parser(
        "draw",
        help="draw every diagram a spec binds as an SVG",
        description="Draw every diagram a spec binds (diagrams, pullbacks, cones, limits, colimits, "
        "experiments) into one self-contained SVG. With --check, the spec's laws are checked first "
        "and each face is coloured by its verdict. Exit 0: drawn (with --check: every law proved or "
        "held); 1: a law refuted or raised; 2: the spec is invalid or binds no diagram.",
    )
    draw.add_argument("path", metavar="SPEC", help="a spec file")
    draw.add_argument("--out", default=None, metavar="FILE", help="where to write the SVG (default: SPEC's name, .svg, here)")
    draw.add_argument("--check", action="store_true", help="check the laws first and colour faces by verdict")
    draw.add_argument("--examples", type=int, default=100, metavar="N", help="examples per sampled law (with --check)")
    draw.add_argument("--seed", type=int, default=None, metavar="S", help="make sampling deterministic (with --check)")
    draw.add_argument("--preset", default=None, metavar="P",
                      help="the preset an experiment is drawn as it builds for (default: smoke, else its first)")


def run_draw(args: Any) -> int:
    """``catdyn draw``: write the SVG, print where, return the exit code."""
    from catdyn.errors import CatdynError, DrawError

    verdicts: dict[str, dict[str, str]] = {}
    code = 0
    try:
        if args.check:
            from catdyn.checker.law import CheckConfig
            from catdyn.checker.report import check_spec, exit_code

            report = check_spec(args.path, CheckConfig(examples=args.examples, seed=args.seed))
            if report.invalid is not None and not report.skipped:
                raise report.invalid
            verdicts = verdicts_of(report.results)
            code = exit_code([report])
        items, skipped = spec_pictures(args.path, verdicts, getattr(args, "preset", None))
        if not items:
            raise DrawError.nothing_drawn(args.path, skipped)
    except CatdynError as exc:
        print(f"cannot draw: {exc}", file=__import__("sys").stderr)
        return 2
    out = Path(args.out) if args.out else Path(Path(args.path).stem + ".svg")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(pictures_svg(items), encoding="utf-8")
    tmp.replace(out)
    print(f"drew {len(items)} diagram(s) of {args.path} to {out}" + (f" (not diagrams: {', '.join(skipped)})" if skipped else ""))
    return code
