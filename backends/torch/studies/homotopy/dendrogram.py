"""The H0 dendrogram and barcode of the barrier filtration: :func:`dendrogram_data` is the plain
data of a ``figure`` record, :func:`draw_barrier_dendrogram` draws it in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DENDROGRAM_DRAWER = "catdyn.backends.torch.studies.homotopy.dendrogram:draw_barrier_dendrogram"
"""The report's drawer for :func:`dendrogram_data` records."""


def dendrogram_data(
    pers: Any,
    labels: Sequence[int],
    threshold: float,
    *,
    names: Sequence[str] | None = None,
    label: str = "barrier",
) -> dict[str, Any]:
    """The plain data of the H0 dendrogram and barcode of ``pers`` (an
    :class:`~catdyn.classes.H0Persistence`): its merges, the classes at ``threshold`` and the
    leaf names — what :func:`draw_barrier_dendrogram` draws (a ``figure`` record's data).

    >>> import numpy as np
    >>> from catdyn.classes import classes_at, h0_persistence
    >>> b = np.array([[0, 0.01, 0.5], [0.01, 0, 0.6], [0.5, 0.6, 0.0]])
    >>> d = dendrogram_data(h0_persistence(b), classes_at(b, 0.1), 0.1)
    >>> d["merges"], d["labels"], d["threshold"]
    ([[0, 1, 0.01], [0, 2, 0.5]], [0, 0, 1], 0.1)
    """
    return {
        "n": int(pers.n),
        "merges": [[int(i), int(j), float(h)] for i, j, h in pers.merges],
        "essential": int(pers.essential),
        "labels": [int(v) for v in labels],
        "threshold": float(threshold),
        "names": [str(s) for s in names] if names is not None else [str(i) for i in range(int(pers.n))],
        "label": label,
        "figsize": (10.0, 4.2),
    }


def draw_barrier_dendrogram(fig: Any, data: dict[str, Any]) -> None:
    """Draw :func:`dendrogram_data` on ``fig``: left, the single-linkage dendrogram of the
    barrier filtration (merge heights = the MST's barriers; leaves grouped by class, leaf labels
    coloured by class, the threshold ``c`` dashed — every class is a subtree cut below it);
    right, the H0 barcode (one bar per model from 0 to the level where it merges, the essential
    class(es) as arrows; the bars crossing ``c`` are the classes at ``c``).

    >>> import numpy as np
    >>> from catdyn.classes import classes_at, h0_persistence
    >>> from catdyn.runner.report import plot_figure
    >>> b = np.array([[0, 0.01, 0.5], [0.01, 0, 0.6], [0.5, 0.6, 0.0]])
    >>> d = dendrogram_data(h0_persistence(b), classes_at(b, 0.1), 0.1)
    >>> plot_figure("H0", {"drawer": DENDROGRAM_DRAWER, "data": d})[:4]
    b'\\x89PNG'
    """

    pic = _Picture.of(data)
    ax_tree, ax_bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    _draw_tree(ax_tree, pic)
    _draw_barcode(ax_bars, pic)


@dataclass(frozen=True)
class _Picture:
    """The parsed figure data and the vertical range drawn: from ``base`` (0, or the lowest
    merge for negative barriers: scipy wants heights ≥ 0) to ``top``."""

    n: int
    merges: list[tuple[int, int, float]]
    threshold: float
    labels: list[int]
    names: list[str]
    label: str
    essential: int
    base: float
    top: float

    @classmethod
    def of(cls, data: dict[str, Any]) -> _Picture:
        n = int(data["n"])
        merges = [(int(i), int(j), float(h)) for i, j, h in data["merges"]]
        c = float(data["threshold"])
        heights = [h for *_, h in merges]
        base = min([0.0, *heights])
        top = max([c, *heights, base + 1e-12])
        names = list(data.get("names") or [str(i) for i in range(n)])
        labels = [int(v) for v in data["labels"]]
        essential = int(data.get("essential", 1))
        return cls(n, merges, c, labels, names, str(data.get("label", "barrier")), essential, base, top)

    @property
    def heights(self) -> list[float]:
        return [h for *_, h in self.merges]

    @property
    def span(self) -> float:
        return self.top - self.base

    @property
    def colours(self) -> list[str]:
        return [f"C{k % 10}" for k in range(max(self.labels, default=0) + 1)]


def _draw_tree(ax: Any, pic: _Picture) -> None:
    """The single-linkage dendrogram: links coloured by class below c, grey above; c dashed."""
    from matplotlib.ticker import FuncFormatter
    from scipy.cluster.hierarchy import dendrogram

    from catdyn.classes import H0Persistence

    n, heights, labels, colours = pic.n, pic.heights, pic.labels, pic.colours
    if n >= 2 and len(pic.merges) == n - 1:
        z = H0Persistence(n, np.array(heights), pic.merges, pic.essential).linkage()
        z[:, 2] -= pic.base
        # a link takes its class's colour when every leaf below it is of that class (a subtree
        # cut below c); links that join classes are grey
        below: dict[int, set[int]] = {i: {labels[i]} for i in range(n)}
        for k, row in enumerate(z):
            below[n + k] = below[int(row[0])] | below[int(row[1])]

        def link_colour(cid: int) -> str:
            only = below[cid]
            return colours[next(iter(only))] if len(only) == 1 else "0.55"

        size = 7 if n <= 40 else 5
        dendrogram(
            z, ax=ax, labels=pic.names, link_color_func=link_colour, leaf_font_size=size, leaf_rotation=90
        )
        for tick in ax.get_xmajorticklabels():
            tick.set_color(colours[labels[pic.names.index(tick.get_text())]])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v + pic.base:.3g}"))
        if max(heights) - pic.base < 0.02 * pic.span:  # the tree is flat at this scale: say so
            flat = f"all {n} models merge at levels ≤ {max(heights):.3g}"
            ax.text(0.5, 0.5, flat, ha="center", fontsize=8, transform=ax.transAxes)
        ax.set_ylim(0, pic.span * 1.08 + 1e-12)
    else:
        ax.text(
            0.5, 0.5, f"{n} model(s), {len(pic.merges)} merges: no tree", ha="center", transform=ax.transAxes
        )
    c = pic.threshold
    ax.axhline(c - pic.base, ls="--", color="k", lw=1, label=f"c = {c:g}: {len(set(labels))} class(es)")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_ylabel(f"merge level ({pic.label})", fontsize=8)
    ax.set_title("single linkage over c (leaves coloured by class)", fontsize=9)


def _draw_barcode(ax: Any, pic: _Picture) -> None:
    """The H0 barcode: bars sorted by death, longest on top; essential bars reach past the top."""
    heights, c, span = pic.heights, pic.threshold, pic.span
    end = pic.top + 0.08 * span + 1e-12
    for row, q in enumerate(sorted(range(len(heights)), key=lambda q: heights[q])):
        h = heights[q]
        colour = "C0" if h > c else "0.6"
        ax.plot([0.0, h], [row, row], color=colour, lw=2, solid_capstyle="butt")
        ax.plot([h], [row], marker="|", color=colour, ms=6)
    for e in range(pic.essential):
        row = len(heights) + e
        ax.annotate(
            "", xy=(end, row), xytext=(0.0, row), arrowprops={"arrowstyle": "->", "color": "C0", "lw": 2}
        )
    ax.axvline(c, ls="--", color="k", lw=1, label=f"c = {c:g}")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_xlim(min(pic.base, 0.0) - 0.02 * span, end + 0.02 * span)
    ax.set_ylim(-1, len(heights) + pic.essential)
    ax.set_yticks([])
    ax.set_xlabel(f"level c ({pic.label})", fontsize=8)
    alive_at_c = sum(h > c for h in heights) + pic.essential
    ax.set_title(f"H0 barcode: {alive_at_c} bar(s) alive at c", fontsize=9)
