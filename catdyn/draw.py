"""Diagrams drawn: a self-contained SVG of every diagram a spec binds, each face coloured by
its verdict.

What is drawn (:func:`picture_of`): a :class:`~catdyn.diagram.Diagram` (its objects and
morphisms; a face per declared equation), a :class:`~catdyn.limits.Pullback` (the square, a
face for ``square commutes``), a :class:`~catdyn.limits.Cone`, a
:class:`~catdyn.limits.Limit` or :class:`~catdyn.limits.Colimit` (the diagram, the apex and its
legs dashed; a face per triangle of the (co)cone), and a runner experiment (its stages and
steps; a dashed ``=`` edge per declared equation). The layout is layered left to right
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

_MARK = {"proved": "✓", "held": "✓", "refuted": "✗", "error": "!", "unchecked": "?"}
_FONT = 13
_CHAR = 7.4  # approximate width of one character at the font size
_ROW = 96
_MARGIN = 28


@dataclass(frozen=True)
class Arrow:
    """An arrow ``src → dst`` with a label; ``style`` is ``solid``, ``leg`` (dashed: a
    (co)cone's leg) or ``equal`` (dashed, no head: a declared equality of stages)."""

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
    and nodes whose layer is fixed (an apex first, say)."""

    title: str
    nodes: list[tuple[str, str]]
    arrows: list[Arrow]
    faces: list[Face] = field(default_factory=list)
    laws: list[str] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)


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


def _experiment_picture(exp: Any, title: str) -> Picture:
    g = exp.graph()
    nodes = [(str(n), str(n)) for n in g.nodes]
    arrows = [Arrow(str(k), str(a), str(b), str(data.get("step", k))) for a, b, k, data in g.edges(keys=True, data=True)]
    faces = []
    for eq in exp.equations:
        key = f"= {eq.name}"
        arrows.append(Arrow(key, eq.lhs.name, eq.rhs.name, "=", "equal"))
        faces.append(Face(eq.name, (key,), (key,), eq.name))
    return Picture(title, nodes, arrows, faces, [f.law for f in faces])


def picture_of(thing: Any, name: str = "") -> Picture | None:
    """What to draw of a spec's thing, or ``None`` when it is not a diagram."""
    from catdyn.diagram import Diagram
    from catdyn.limits import Colimit, Cone, Limit, Pullback

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
    if callable(getattr(thing, "graph", None)) and hasattr(thing, "steps") and hasattr(thing, "equations"):
        return _experiment_picture(thing, f"{title} — experiment")
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
        out.append(_arrow_svg(a, curves[a.key]))
    labels = dict(pic.nodes)
    for n, (x, y) in geo.centre.items():
        w, h = geo.half[n]
        out.append(
            f'<g class="object"><rect x="{_f(x - w)}" y="{_f(y - h)}" width="{_f(2 * w)}" height="{_f(2 * h)}" rx="6"/>'
            f'<text x="{_f(x)}" y="{_f(y + 4.5)}">{escape(labels[n])}</text></g>'
        )
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


def _arrow_svg(a: Arrow, curve: tuple[tuple[float, float], ...]) -> str:
    if len(curve) == 5:
        (s, c1, c2, e, mid) = curve
        path = f"M{_f(s[0])},{_f(s[1])} C{_f(c1[0])},{_f(c1[1])} {_f(c2[0])},{_f(c2[1])} {_f(e[0])},{_f(e[1])}"
    else:
        (s, c, e, mid) = curve
        path = f"M{_f(s[0])},{_f(s[1])} Q{_f(c[0])},{_f(c[1])} {_f(e[0])},{_f(e[1])}"
    head = "" if a.style == "equal" else ' marker-end="url(#head)"'
    return (
        f'<g class="arrow {a.style}"><title>{escape(a.key)}</title><path d="{path}"{head}/>'
        f'<text x="{_f(mid[0])}" y="{_f(mid[1] - 5)}" class="halo">{escape(a.label)}</text>'
        f'<text x="{_f(mid[0])}" y="{_f(mid[1] - 5)}" class="label">{escape(a.label)}</text></g>'
    )


_STYLE = (
    "<style>"
    f"text{{font-family:'DejaVu Sans',Arial,sans-serif;font-size:{_FONT}px;text-anchor:middle;fill:#1f2328}}"
    ".title{font-size:15px;font-weight:bold;text-anchor:start}"
    ".legend text{text-anchor:start}"
    ".object rect{fill:#ffffff;stroke:#1f2328;stroke-width:1.3}"
    ".arrow path{fill:none;stroke:#1f2328;stroke-width:1.4}"
    ".arrow.leg path{stroke-dasharray:6 4}"
    ".arrow.equal path{stroke-dasharray:3 3;stroke:#57606a}"
    ".label{font-style:italic}"
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


def diagram_svg(diagram: Any, verdicts: Mapping[str, str] | None = None, name: str = "") -> str:
    """A self-contained SVG of one diagram (a Diagram, Pullback, Cone, Limit, Colimit or an
    experiment), with faces coloured by ``verdicts`` (``{law name: status}``, as a check's
    results name them). This is the function the HTML report calls.

    >>> diagram_svg(3)
    Traceback (most recent call last):
    ...
    catdyn.errors.DrawError: cannot draw int: it is not a diagram. Draw a Diagram, Pullback, Cone, Limit, Colimit or an experiment.
    """
    from catdyn.errors import DrawError

    pic = picture_of(diagram, name)
    if pic is None:
        raise DrawError.not_a_diagram(diagram)
    return pictures_svg([(pic, verdicts or {})])


# --- specs --------------------------------------------------------------------------------------
def spec_pictures(path: str | Path, verdicts: Mapping[str, Mapping[str, str]] | None = None) -> tuple[list[tuple[Picture, Mapping[str, str]]], list[str]]:
    """Load a spec and picture every diagram bound at its top level (in binding order), with
    the verdicts of its subject (``{subject: {law: status}}``); also the names not drawn."""
    from catdyn.checker.discovery import _bindings, load_spec

    p = Path(path)
    module = load_spec(p)
    assigned, _ = _bindings(p.read_text(encoding="utf-8"))
    drawn, skipped = [], []
    for name, _binding in sorted(assigned.items(), key=lambda kv: kv[1].line):
        if name.startswith("_") or not hasattr(module, name):
            continue
        pic = picture_of(getattr(module, name), name)
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
        items, skipped = spec_pictures(args.path, verdicts)
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
