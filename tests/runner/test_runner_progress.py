"""Progress: rich bars on a terminal, plain lines otherwise and under CI."""

from __future__ import annotations

import io

from catdyn import Experiment
from catdyn.backends.numpy.morphisms import NormalDraws, Summarise
from catdyn.runner.progress import PlainProgress, make_progress
from catdyn.runner.run import run_experiment


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _exp() -> Experiment:
    exp = Experiment("p", seed=0)
    xs = exp.add("xs", NormalDraws(n=5), name="draw")
    exp.add("m", Summarise(), xs, name="sum")
    return exp


def test_auto_picks_rich_on_a_terminal_and_plain_under_ci_or_a_pipe(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert type(make_progress("auto", FakeTTY())).__name__ == "ThrottledAdvance"
    assert isinstance(make_progress("auto", io.StringIO()), PlainProgress)
    monkeypatch.setenv("CI", "true")
    assert isinstance(make_progress("auto", FakeTTY()), PlainProgress)


def test_plain_progress_prints_one_line_per_task_and_no_escape_codes(tmp_path) -> None:
    buf = io.StringIO()
    run_experiment(_exp(), str(tmp_path), progress=make_progress("plain", buf), report=False)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "p: 2 task(s)"
    assert lines[1].startswith("[1/2] draw (NormalDraws): computed in ")
    assert lines[2].startswith("[2/2] sum (Summarise): computed in ")
    assert "\x1b" not in buf.getvalue()


def test_rich_progress_draws_on_a_terminal(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    tty = FakeTTY()
    run_experiment(_exp(), str(tmp_path), progress=make_progress("auto", tty), report=False)
    out = tty.getvalue()
    assert "draw" in out and "sum" in out and "computed" in out
    assert "\x1b[" in out  # drawn with terminal escape codes
