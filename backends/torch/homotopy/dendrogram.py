"""The H0 dendrogram and barcode of the barrier filtration: :func:`dendrogram_data` is the plain
data of a ``figure`` record, :func:`draw_barrier_dendrogram` draws it in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

DENDROGRAM_DRAWER = "catdyn.backends.torch.homotopy_study:draw_barrier_dendrogram"
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
    from matplotlib.ticker import FuncFormatter
    from scipy.cluster.hierarchy import dendrogram

    from catdyn.classes import H0Persistence

    n = int(data["n"])
    merges = [(int(i), int(j), float(h)) for i, j, h in data["merges"]]
    c = float(data["threshold"])
    labels = [int(v) for v in data["labels"]]
    names = list(data.get("names") or [str(i) for i in range(n)])
    label = str(data.get("label", "barrier"))
    heights = [h for *_, h in merges]
    # scipy wants heights >= 0: draw from the lowest level (0, or below it for negative barriers)
    base = min([0.0, *heights])
    top = max([c, *heights, base + 1e-12])
    span = top - base
    ax_tree, ax_bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    colours = [f"C{k % 10}" for k in range(max(labels, default=0) + 1)]
    if n >= 2 and len(merges) == n - 1:
        pers = H0Persistence(n, np.array(heights), merges, int(data.get("essential", 1)))
        z = pers.linkage()
        z[:, 2] -= base
        # a link takes its class's colour when every leaf below it is of that class (a subtree
        # cut below c); links that join classes are grey
        below: dict[int, set[int]] = {i: {labels[i]} for i in range(n)}
        for k, row in enumerate(z):
            below[n + k] = below[int(row[0])] | below[int(row[1])]

        def link_colour(cid: int) -> str:
            only = below[cid]
            return colours[next(iter(only))] if len(only) == 1 else "0.55"

        dendrogram(
            z,
            ax=ax_tree,
            labels=names,
            link_color_func=link_colour,
            leaf_font_size=7 if n <= 40 else 5,
            leaf_rotation=90,
        )
        for tick in ax_tree.get_xmajorticklabels():
            k = names.index(tick.get_text())
            tick.set_color(colours[labels[k]])
        ax_tree.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v + base:.3g}"))
        if max(heights) - base < 0.02 * span:  # the tree is flat at this scale: say so
            ax_tree.text(
                0.5,
                0.5,
                f"all {n} models merge at levels ≤ {max(heights):.3g}",
                ha="center",
                fontsize=8,
                transform=ax_tree.transAxes,
            )
        ax_tree.set_ylim(0, span * 1.08 + 1e-12)
    else:
        ax_tree.text(
            0.5, 0.5, f"{n} model(s), {len(merges)} merges: no tree", ha="center", transform=ax_tree.transAxes
        )
    classes = len(set(labels))
    ax_tree.axhline(c - base, ls="--", color="k", lw=1, label=f"c = {c:g}: {classes} class(es)")
    ax_tree.legend(fontsize=7, loc="upper right")
    ax_tree.set_ylabel(f"merge level ({label})", fontsize=8)
    ax_tree.set_title("single linkage over c (leaves coloured by class)", fontsize=9)
    # barcode: bars sorted by death, longest on top; essential bars reach past the top
    order = sorted(range(len(merges)), key=lambda q: heights[q])
    end = top + 0.08 * span + 1e-12
    for row, q in enumerate(order):
        h = heights[q]
        alive = h > c
        ax_bars.plot([0.0, h], [row, row], color="C0" if alive else "0.6", lw=2, solid_capstyle="butt")
        ax_bars.plot([h], [row], marker="|", color="C0" if alive else "0.6", ms=6)
    for e in range(int(data.get("essential", 1))):
        row = len(merges) + e
        ax_bars.annotate(
            "", xy=(end, row), xytext=(0.0, row), arrowprops={"arrowstyle": "->", "color": "C0", "lw": 2}
        )
    ax_bars.axvline(c, ls="--", color="k", lw=1, label=f"c = {c:g}")
    ax_bars.legend(fontsize=7, loc="lower right")
    ax_bars.set_xlim(min(base, 0.0) - 0.02 * span, end + 0.02 * span)
    ax_bars.set_ylim(-1, len(merges) + int(data.get("essential", 1)))
    ax_bars.set_yticks([])
    ax_bars.set_xlabel(f"level c ({label})", fontsize=8)
    alive_at_c = sum(h > c for h in heights) + int(data.get("essential", 1))
    ax_bars.set_title(f"H0 barcode: {alive_at_c} bar(s) alive at c", fontsize=9)
