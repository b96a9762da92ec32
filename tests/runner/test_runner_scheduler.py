"""The scheduler on random task graphs with planted failures: every outcome is what the graph
implies, and a rerun recomputes exactly what changed."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile

from hypothesis import given
from hypothesis import strategies as st

from catdyn import BackendMorphism, Experiment, Value
from catdyn.runner.run import run_experiment

COMPUTED: list[str] = []


@dataclasses.dataclass(frozen=True)
class Number(Value):
    """One number."""

    x: float


class DagStep(BackendMorphism):
    """Sums its inputs (any number, at least one) and its index; raises when asked to."""

    inputs, output, variadic = (Number,), Number, True
    fail: bool = False
    index: int = 0

    def run(self, ctx, *inputs):
        COMPUTED.append(ctx.task)
        if self.fail:
            raise RuntimeError(f"planted failure in {ctx.task}")
        return Number(float(self.index) + sum(n.x for n in inputs))


class DagRoot(DagStep):
    """A step that reads nothing (starts from the point 1)."""

    inputs, variadic = (), False

    def run(self, ctx):
        return super().run(ctx)


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 8))
    steps = []
    for i in range(n):
        parents = draw(st.lists(st.integers(0, i - 1), max_size=min(i, 3), unique=True)) if i else []
        steps.append((parents, draw(st.integers(0, 3)) == 0))  # about one arrow in four fails
    return steps


def _experiment(steps, failing: bool) -> Experiment:
    exp = Experiment("dag", seed=0)
    nodes = []
    for i, (parents, fail) in enumerate(steps):
        kind = DagStep if parents else DagRoot
        nodes.append(exp.add(f"s{i}", kind(fail=fail and failing, index=i), *[nodes[p] for p in parents], name=f"t{i}"))
    return exp


@given(graphs())
def test_outcomes_follow_the_graph_and_reruns_redo_only_what_changed(steps) -> None:
    out = tempfile.mkdtemp(prefix="catdyn-dag-")
    try:
        broken = set()  # arrows that failed or read a broken one
        expected = {}
        for i, (parents, fail) in enumerate(steps):
            if any(p in broken for p in parents):
                expected[f"t{i}"] = "blocked"
                broken.add(i)
            elif fail:
                expected[f"t{i}"] = "failed"
                broken.add(i)
            else:
                expected[f"t{i}"] = "computed"
        COMPUTED.clear()
        first = run_experiment(_experiment(steps, failing=True), out, report=False)
        assert {o.arrow: o.state for o in first.outcomes} == expected
        assert first.ok == (not broken)
        assert sorted(COMPUTED) == sorted(s for s, v in expected.items() if v != "blocked")

        COMPUTED.clear()  # fixed: the failed ones (new parameters) and what reads them run again
        second = run_experiment(_experiment(steps, failing=False), out, report=False)
        assert second.ok
        changed = {f"t{i}" for i, (_, fail) in enumerate(steps) if fail}
        redo = {s for s, v in expected.items() if v != "computed"}
        assert {o.arrow for o in second.outcomes if o.state == "computed"} == redo | changed
        assert sorted(COMPUTED) == sorted(redo | changed)
        values = {o.arrow: o for o in second.outcomes}
        assert all(values[s].state == "reused" for s, v in expected.items() if v == "computed")
    finally:
        shutil.rmtree(out, ignore_errors=True)
