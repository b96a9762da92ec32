"""The context a task runs its morphism in: its seed, device and thread count, and what it
records for the report (metrics, tables, series, heat maps, figures, laws, claims).

:meth:`~catdyn.morphisms.BackendMorphism.run` receives one as ``ctx``. Records are data that
reproduce (numbers, rows), never timings: the store keeps each task's time itself.

>>> ctx = TaskContext(seed=0)
>>> ctx.metric("n", 2)
>>> ctx.records
[('metric', 'n', 2.0, None)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TaskContext:
    """What a morphism's ``run`` may read (``seed``, ``device``, ``threads``, the ``task``'s label)
    and record for the report.

    Records are ``(kind, name, value, data)``: ``metric`` (a number), ``table`` (a list of row
    dicts), ``series`` (curves against a shared x axis), ``heatmap`` (a matrix), ``figure``
    (data for a drawing function the morphism names), ``law`` (a law result), ``claim`` (claim, paper's figure, measured figure and interval, verdict).

    >>> ctx = TaskContext(seed=1, device="cpu")
    >>> ctx.claim("c", paper="< 1", measured=0.5, interval=(0.4, 0.6), verdict="reproduced")
    >>> ctx.records[0][2]
    0.5
    """

    seed: int
    device: str = "cpu"
    threads: int | None = None
    task: str = ""
    records: list[tuple[str, str, float | None, Any]] = field(default_factory=list)
    on_progress: Callable[[int, int], None] | None = None

    def metric(self, name: str, value: float) -> None:
        """Record a scalar (NaN and ±inf are kept, shown as such)."""
        self.records.append(("metric", name, float(value), None))

    def table(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        """Record a table (rows of equal keys)."""
        self.records.append(("table", name, None, [dict(r) for r in rows]))

    def series(
        self,
        name: str,
        x: Sequence[float],
        lines: dict[str, Sequence[float]],
        *,
        xlabel: str = "",
        ylabel: str = "",
        logy: bool = False,
        highlight: Sequence[str] = (),
        marks: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        """Record curves sharing an x axis (``highlight`` names lines drawn as failed; ``marks``
        puts a ✗ at a point of a line, e.g. where a member diverged)."""
        self.records.append(
            (
                "series",
                name,
                None,
                {
                    "x": [float(v) for v in x],
                    "lines": {k: [float(v) for v in ys] for k, ys in lines.items()},
                    "xlabel": xlabel,
                    "ylabel": ylabel,
                    "logy": logy,
                    "highlight": list(highlight),
                    "marks": {k: [float(p[0]), float(p[1])] for k, p in (marks or {}).items()},
                },
            )
        )

    def heatmap(
        self,
        name: str,
        matrix: Sequence[Sequence[float]],
        *,
        xlabels: Sequence[str] = (),
        ylabels: Sequence[str] = (),
        label: str = "",
    ) -> None:
        """Record a matrix to draw as a heat map."""
        self.records.append(
            (
                "heatmap",
                name,
                None,
                {
                    "matrix": [[float(v) for v in row] for row in matrix],
                    "xlabels": list(xlabels),
                    "ylabels": list(ylabels),
                    "label": label,
                },
            )
        )

    def figure(self, name: str, drawer: str, data: dict[str, Any], *, caption: str = "") -> None:
        """Record the data of a figure that the report draws with ``drawer``: a function
        ``"catdyn.some.module:function"`` (inside catdyn, so a stored run names no foreign
        code) called as ``function(fig, data)`` on a fresh matplotlib figure. Records stay
        data — numbers that reproduce — and the drawing lives beside the science it shows
        (a persistence diagram in the topology package, a dendrogram beside the classes).

        >>> ctx = TaskContext(seed=0)
        >>> ctx.figure("bars", "catdyn.runner.report:draw_bars", {"labels": ["a"], "values": [1.0]})
        >>> ctx.records[0][0], ctx.records[0][3]["drawer"]
        ('figure', 'catdyn.runner.report:draw_bars')
        """
        self.records.append(("figure", name, None, {"drawer": drawer, "data": data, "caption": caption}))

    def law(self, result: Any) -> None:
        """Record a :class:`~catdyn.checker.law.LawResult` (without its timing: records hold
        numbers that reproduce; the task's time is kept by the store)."""
        from dataclasses import asdict

        data = asdict(result)
        data.pop("seconds", None)
        self.records.append(("law", result.law, float(result.residual), data))

    def claim(
        self,
        claim: str,
        *,
        paper: str,
        measured: float | None,
        interval: tuple[float, float] | None = None,
        verdict: str,
        figure: str = "",
        detail: str = "",
    ) -> None:
        """Record a claim: the paper's figure, the measured one (with its interval) and a verdict
        (``reproduced``, ``not reproduced``, ``inconclusive``, ``held``, ``refuted``)."""
        self.records.append(
            (
                "claim",
                claim,
                None if measured is None else float(measured),
                {
                    "claim": claim,
                    "paper": paper,
                    "measured": measured,
                    "interval": None if interval is None else [float(interval[0]), float(interval[1])],
                    "verdict": verdict,
                    "figure": figure,
                    "detail": detail,
                },
            )
        )

    def progress(self, done: int, total: int) -> None:
        """Report progress within the task (shown as a bar on a terminal)."""
        if self.on_progress is not None:
            self.on_progress(done, total)
