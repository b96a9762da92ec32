"""Diagrams drawn: golden files of the layout, geometric properties (arrows point right,
objects do not overlap, nothing runs through an object), verdict colours, the ``catdyn draw``
command, and a render in headless Chromium when it is installed.

Regenerate the golden files after an intended change of the drawing with
``CATDYN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/core/test_draw.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from catdyn import Cospan, Diagram
from catdyn.categories.finset import FinSet
from catdyn.cli import main
from catdyn.draw import COLOURS, _geometry, diagram_svg, picture_of
from catdyn.errors import DrawError
from catdyn.limits import coequaliser, limit, pullback_of

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
SVG = "{http://www.w3.org/2000/svg}"


def _square() -> Diagram:
    Z6, Z2 = FinSet.object("Z6", 6), FinSet.object("Z2", 2)
    double = FinSet.function("double", Z6, Z6, [(2 * n) % 6 for n in range(6)])
    parity = FinSet.function("parity", Z6, Z2, [n % 2 for n in range(6)])
    zero = FinSet.function("zero", Z2, Z2, [0, 0])
    return Diagram("parity of a double", FinSet, [double, parity, zero], equations=[(["double", "parity"], ["parity", "zero"])])


def _chain() -> Diagram:
    X, Y, W = FinSet.object("X", 4), FinSet.object("Y", 3), FinSet.object("W", 2)
    return Diagram(
        "chain",
        FinSet,
        [
            FinSet.function("a", X, Y, [0, 1, 2, 1]),
            FinSet.function("b", Y, W, [0, 1, 1]),
            FinSet.function("c", X, W, [0, 1, 1, 1]),
        ],
    )


def _cases() -> dict[str, tuple[object, dict[str, str]]]:
    A, C, B = FinSet.object("A", 3), FinSet.object("C", 2), FinSet.object("B", 2)
    f, g = FinSet.function("f", A, C, [0, 1, 1]), FinSet.function("g", B, C, [1, 0])
    Z, Zc = FinSet.object("Z6", 6), FinSet.object("Z6'", 6)
    rot = FinSet.function("rotate", Z, Zc, [(n + 2) % 6 for n in range(6)])
    same = FinSet.function("same", Z, Zc, list(range(6)))
    return {
        "square": (_square(), {"equation 1: double >> parity = parity >> zero": "proved"}),
        "pullback": (FinSet.pullback(Cospan(f, g)), {"square commutes": "refuted", "every cone factors": "held"}),
        "limit_of_chain": (limit(_chain()), {"cone commutes": "proved", "factorisation is unique": "error"}),
        "coequaliser": (coequaliser(rot, same), {}),
        "pullback_as_limit": (pullback_of(f, g), {"cone commutes": "held"}),
    }


@pytest.mark.parametrize("case", sorted(_cases()))
def test_drawing_matches_its_golden_file(case):
    thing, verdicts = _cases()[case]
    svg = diagram_svg(thing, verdicts, name=case)
    path = GOLDEN / f"{case}.svg"
    if os.environ.get("CATDYN_UPDATE_GOLDEN"):
        path.write_text(svg, encoding="utf-8")
    assert svg == path.read_text(encoding="utf-8"), f"{case}: the drawing changed; see the module docstring"


@pytest.mark.parametrize("case", sorted(_cases()))
def test_layout_is_readable(case):
    thing, _ = _cases()[case]
    pic = picture_of(thing, case)
    geo = _geometry(pic)
    boxes = [(geo.centre[n], geo.half[n]) for n, _ in pic.nodes]
    for i, ((x1, y1), (w1, h1)) in enumerate(boxes):  # no two objects overlap
        for (x2, y2), (w2, h2) in boxes[i + 1 :]:
            assert abs(x1 - x2) >= w1 + w2 + 10 or abs(y1 - y2) >= h1 + h2 + 10
    for a in pic.arrows:  # arrows outside cycles point to the right
        if a.src != a.dst and a.style != "equal":
            assert geo.centre[a.src][0] < geo.centre[a.dst][0], a


def test_verdicts_colour_faces_and_legend_and_the_svg_is_well_formed():
    svg = diagram_svg(_square(), {"equation 1: double >> parity = parity >> zero": "refuted"})
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    faces = root.findall(f".//{SVG}g[@class='face refuted']")
    assert len(faces) == 1 and faces[0].find(f"{SVG}polygon").get("fill") == COLOURS["refuted"]
    assert "double &gt;&gt; parity = parity &gt;&gt; zero — refuted" in svg
    unchecked = diagram_svg(_square())
    assert "face unchecked" in unchecked and COLOURS["refuted"] not in unchecked
    assert not re.search(r"(?:href|src)\s*=", svg)  # self-contained: nothing to fetch


def test_things_that_are_not_diagrams_are_refused():
    with pytest.raises(DrawError, match="not a diagram"):
        diagram_svg(FinSet)


def test_catdyn_draw_writes_an_svg_of_every_diagram_with_verdicts(tmp_path, capsys):
    out = tmp_path / "finset_laws.svg"
    code = main(["draw", str(ROOT / "specs" / "finset_laws.py"), "--out", str(out), "--check", "--seed", "0", "--examples", "20"])
    assert code == 0
    svg = out.read_text()
    ET.fromstring(svg)
    assert "parity_square — diagram in FinSet" in svg and "fibre — pullback over" in svg
    assert "face proved" in svg and "face refuted" not in svg
    assert "drew 2 diagram(s)" in capsys.readouterr().out


def test_catdyn_draw_of_a_broken_spec_colours_the_refuted_face_and_exits_1(tmp_path):
    out = tmp_path / "broken.svg"
    assert main(["draw", str(ROOT / "specs" / "broken" / "square_one_element.py"), "--out", str(out), "--check", "--seed", "0"]) == 1
    assert "face refuted" in out.read_text()


def test_catdyn_draw_refuses_a_spec_without_diagrams(tmp_path, capsys):
    spec = tmp_path / "nothing.py"
    spec.write_text("from catdyn.categories.finset import FinSet\nA = FinSet.object('A', 2)\n")
    assert main(["draw", str(spec), "--out", str(tmp_path / "x.svg")]) == 2
    assert "binds no diagram" in capsys.readouterr().err
    assert not (tmp_path / "x.svg").exists()


CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_headless_chromium_renders_the_drawing(tmp_path):
    out = tmp_path / "finset_laws.svg"
    assert main(["draw", str(ROOT / "specs" / "finset_laws.py"), "--out", str(out)]) == 0
    page = tmp_path / "page.html"
    page.write_text(
        "<!DOCTYPE html><html><body>" + out.read_text() + "<script>"
        "var s=document.querySelector('svg').getBBox();var p=document.createElement('pre');p.id='box';"
        "p.textContent=s.width+'x'+s.height+' '+document.querySelectorAll('g.object').length;"
        "document.body.appendChild(p);</script></body></html>"
    )
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="box">([\d.]+)x([\d.]+) (\d+)</pre>', done.stdout)
    assert found, "the page did not render"
    assert float(found.group(1)) > 100 and float(found.group(2)) > 100 and int(found.group(3)) == 6  # 2 + 4 objects


def test_an_experiment_is_drawn_with_its_arrows_and_equations():
    from catdyn.backends.numpy.morphisms import NormalDraws
    from catdyn.experiments import Experiment

    e = Experiment("demo")
    x = e.add("x", NormalDraws(), name="draw_x")
    y = e.add("y", NormalDraws(), name="draw_y")
    e.equation("same", x, y, atol=1e-9)
    svg = diagram_svg(e, {"same": "refuted"}, name="demo")
    root = ET.fromstring(svg)
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert {"1", "x", "y", "draw_x", "draw_y", "="} <= set(labels)
    assert len(root.findall(f".//{SVG}g[@class='arrow equal']")) == 1
    assert "same — refuted" in svg
