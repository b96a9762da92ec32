"""``figure`` records: a morphism records data and names a drawer inside catdyn; the report
draws it, embeds it, and refuses drawers outside catdyn without losing the report."""

import base64
import re
import tempfile

import pytest

from catdyn import BackendMorphism, Experiment
from catdyn.errors import RunError
from catdyn.runner.report import plot_figure, resolve_drawer, write_report
from catdyn.runner.run import run_experiment
from catdyn.runner.store import Store
from catdyn.values import Table

pytest.importorskip("matplotlib")


class Bars(BackendMorphism):
    """Records a bar chart's data, naming its drawer."""

    inputs, output = (), Table
    drawer: str = "catdyn.runner.report:draw_bars"

    def run(self, ctx, *inputs):
        ctx.figure("bars", self.drawer, {"labels": ["a", "b"], "values": [1.0, 3.0]})
        return Table([{"ok": 1.0}])


def _report(drawer: str) -> str:
    exp = Experiment("figures", seed=0)
    exp.add("Out", Bars(drawer=drawer), name="draw")
    summary = run_experiment(exp, tempfile.mkdtemp(), report=False)
    paths = write_report(Store(summary.store), summary.run_id)
    return open(paths["html"], encoding="utf-8").read()


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def test_a_figure_record_is_drawn_and_embedded():
    html = _report("catdyn.runner.report:draw_bars")
    images = _images(html)
    assert len(images) == 1  # the figure (the experiment's diagram is inline SVG)
    assert '<div class="diagram"><svg ' in html
    assert all(img.startswith(b"\x89PNG") for img in images)
    assert 'alt="bars"' in html


def test_a_drawer_outside_catdyn_is_refused_and_the_report_still_written():
    with pytest.raises(RunError, match="not a function inside catdyn"):
        resolve_drawer("subprocess:run")
    html = _report("subprocess:run")
    assert 'alt="bars"' in html  # drawn as a figure that says it could not be drawn


def test_a_drawer_that_raises_yields_a_figure_saying_so():
    png = plot_figure("broken", {"drawer": "catdyn.runner.report:draw_bars", "data": {"labels": ["a"]}})
    assert png.startswith(b"\x89PNG")
