"""Pictures of landscape topology, as drawers for the report's ``figure`` records.

Each ``draw_*`` function is called as ``draw_*(fig, data)`` on a fresh matplotlib figure with
JSON-able ``data`` (see :meth:`catdyn.runner.context.TaskContext.figure`); matplotlib is
imported only inside them, so ``import catdyn.topology`` stays light.

- :func:`critical_points`: the minima, saddles and maxima of a 2-D grid, found by comparing
  every vertex with its 8 neighbours (ties broken by the flat index, so plateaus give one
  critical point, not many);
- :func:`pair_vertices`: the grid vertices where each persistence pair is born and dies
  (gudhi, vertex construction): an H0 pair is born at a minimum and dies at a saddle;
- :func:`draw_landscape`: a contour of the grid with its critical points, the centre (the
  trained minimum) and, optionally, the persistence pairs above a noise floor;
- :func:`draw_diagram`: persistence diagram and barcode side by side, H0 and H1, the essential
  class marked apart (never plotted at a finite death), the construction named;
- :func:`draw_scatter`: a measure against a target with the fitted line and a reference line
  (the paper's), points coloured by group;
- :func:`draw_ranking`: measures ranked by Kendall τ with their bootstrap intervals and
  permutation p-values, baselines told apart.

>>> import numpy as np
>>> x = np.linspace(-1, 1, 5)
>>> cp = critical_points(x[:, None] ** 2 - x[None, :] ** 2, boundary=False)
>>> cp["saddles"]
[[2, 2]]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from catdyn.topology.cubical import as_grid

# The 8 neighbours of a vertex in cyclic order around it (a closed ring).
_RING: tuple[tuple[int, int], ...] = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))

COLOURS: dict[str, str] = {"minima": "#1f77b4", "saddles": "#ff7f0e", "maxima": "#d62728"}
MARKERS: dict[str, str] = {"minima": "o", "saddles": "X", "maxima": "^"}


def _ranks(f: np.ndarray) -> np.ndarray:
    """A strict total order of the grid: value first, then flat (C-order) index."""
    order = np.argsort(f.ravel(), kind="stable")
    r = np.empty(order.size, dtype=np.int64)
    r[order] = np.arange(order.size)
    return r.reshape(f.shape)


def critical_points(values: Any, *, boundary: bool = True) -> dict[str, list[list[int]]]:
    """The critical vertices of a 2-D grid as ``[i, j]`` indices (axis 0, axis 1).

    An interior vertex is compared with its 8 neighbours taken in order around it: all higher
    makes a **minimum**, all lower a **maximum**, and 2m ≥ 4 changes between higher and lower
    along the ring make a **saddle** (listed once; a monkey saddle has m = 3). Equal values are
    ordered by flat index. The 8-ring is not the link of a triangulation, so a saddle that falls
    between grid points can be reported on two adjacent vertices; the exact births and deaths
    of the vertex construction are :func:`pair_vertices`. With ``boundary`` a vertex on the edge of the grid is a minimum
    (maximum) when it is lower (higher) than every neighbour it has; edge vertices are never
    called saddles, since their ring is cut.

    >>> x = np.linspace(-2, 2, 9)
    >>> wells = lambda cx: np.exp(-((x[:, None] - cx) ** 2 + x[None, :] ** 2) / 0.5)
    >>> f = -wells(-1.0) - wells(1.0)
    >>> cp = critical_points(f, boundary=False)
    >>> cp["minima"], cp["saddles"]
    ([[2, 4], [6, 4]], [[4, 4]])
    """
    f = as_grid(values)
    if f.ndim != 2:
        from catdyn.errors import TopologyError

        raise TopologyError.bad_grid("values", f.shape, "is not 2-D (critical points are found on 2-D grids)")
    r = _ranks(f)
    n0, n1 = f.shape
    pad = np.full((n0 + 2, n1 + 2), -1, dtype=np.int64)  # -1: no neighbour there
    pad[1:-1, 1:-1] = r
    higher = np.zeros((8, n0, n1), dtype=bool)
    present = np.zeros((8, n0, n1), dtype=bool)
    for k, (di, dj) in enumerate(_RING):
        nb = pad[1 + di : 1 + di + n0, 1 + dj : 1 + dj + n1]
        present[k] = nb >= 0
        higher[k] = nb > r
    lower = present & ~higher
    interior = present.all(axis=0)
    changes = (higher != np.roll(higher, -1, axis=0)).sum(axis=0)
    is_min = (higher | ~present).all(axis=0)
    is_max = (lower | ~present).all(axis=0)
    if not boundary:
        is_min &= interior
        is_max &= interior
    is_saddle = interior & (changes >= 4)
    return {
        "minima": np.argwhere(is_min).tolist(),
        "saddles": np.argwhere(is_saddle).tolist(),
        "maxima": np.argwhere(is_max).tolist(),
    }


def pair_vertices(values: Any, *, min_lifetime: float = 0.0) -> dict[str, list[dict[str, Any]]]:
    """For the vertex (lower-star) construction, where each persistence pair of a 2-D grid is
    born and dies: ``{"h0": [...], "h1": [...]}`` with entries ``{"birth": [i, j], "death":
    [i, j] or None, "lifetime": float}`` (``death`` None for the essential class), longest
    first, those with lifetime ≤ ``min_lifetime`` left out (the essential class is kept).
    Uses gudhi.

    >>> f = np.array([[0.0, 2.0, 1.0], [3.0, 4.0, 0.5], [1.0, 1.0, 1.0]])
    >>> pv = pair_vertices(f)
    >>> [(p["birth"], p["death"], p["lifetime"]) for p in pv["h0"]]
    [([0, 0], None, inf), ([1, 2], [0, 1], 1.5)]
    """
    import gudhi

    f = as_grid(values)
    cc = gudhi.CubicalComplex(vertices=f)
    cc.compute_persistence(homology_coeff_field=2, min_persistence=0.0)
    regular, essential = cc.vertices_of_persistence_pairs()
    flat = f.ravel(order="F")  # gudhi numbers the vertices in Fortran order

    def at(index: int) -> list[int]:
        return [int(v) for v in np.unravel_index(int(index), f.shape, order="F")]

    out: dict[str, list[dict[str, Any]]] = {}
    for dim in range(2):
        rows: list[dict[str, Any]] = []
        if dim < len(regular):
            for b, d in np.asarray(regular[dim]).reshape(-1, 2).tolist():
                life = float(flat[d] - flat[b])
                if life > min_lifetime:
                    rows.append({"birth": at(b), "death": at(d), "lifetime": life})
        if dim < len(essential):
            for b in np.asarray(essential[dim]).reshape(-1).tolist():
                rows.append({"birth": at(b), "death": None, "lifetime": math.inf})
        rows.sort(key=lambda p: -p["lifetime"])
        out[f"h{dim}"] = rows
    return out


def landscape_figure_data(
    values: Any,
    coords: Sequence[Sequence[float]],
    *,
    noise_floor: float = 0.0,
    label: str = "loss",
    title: str = "",
    pairs: bool = True,
) -> dict[str, Any]:
    """The JSON-able ``data`` of a :func:`draw_landscape` figure: the grid, its axes, its
    critical points and (with ``pairs``, needs gudhi) every finite H0 pair's birth and death
    vertex (the drawer tells those above ``noise_floor`` apart).

    >>> d = landscape_figure_data(np.eye(3), [[-1, 0, 1], [-1, 0, 1]], pairs=False)
    >>> sorted(d), d["critical"]["maxima"]
    (['critical', 'label', 'noise_floor', 'title', 'values', 'x', 'y'], [[2, 2]])
    """
    f = as_grid(values)
    data: dict[str, Any] = {
        "values": f.tolist(),
        "x": [float(v) for v in coords[0]],
        "y": [float(v) for v in coords[1]],
        "critical": critical_points(f),
        "noise_floor": float(noise_floor),
        "label": label,
        "title": title,
    }
    if pairs:
        data["pairs_h0"] = [p for p in pair_vertices(f)["h0"] if p["death"] is not None]
    return data


def draw_landscape(fig: Any, data: Mapping[str, Any]) -> None:
    """A filled contour of ``data["values"]`` (axis 0 along x = ``data["x"]``, axis 1 along
        y = ``data["y"]``) with the critical points of ``data["critical"]`` (computed when absent),
        the centre (0, 0) marked as the trained point and, when ``data["pairs_h0"]`` is given, each
        finite H0 pair's birth (a minimum of the 4-connected vertex construction) and death (where
    its component merges) circled, with an arrow for each pair above ``data["noise_floor"]``.
        Contour levels are quantiles of the values, so the floor of a deep basin still shows.

        >>> import matplotlib; matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> x = np.linspace(-1, 1, 7)
        >>> fig = plt.figure()
        >>> draw_landscape(fig, {"values": (x[:, None] ** 2 + 2 * x[None, :] ** 2).tolist(),
        ...                      "x": x.tolist(), "y": x.tolist()})
        >>> [line.get_label() for line in fig.axes[0].lines][:2]
        ['minima (1)', 'saddles (0)']
        >>> plt.close(fig)
    """
    f = np.asarray(data["values"], dtype=float)
    x = np.asarray(data.get("x", np.arange(f.shape[0])), dtype=float)
    y = np.asarray(data.get("y", np.arange(f.shape[1])), dtype=float)
    crit = data.get("critical") or critical_points(f)
    ax = fig.add_subplot(1, 1, 1)
    levels = np.unique(np.quantile(f, np.linspace(0, 1, 21)))
    if levels.size < 2:
        levels = np.array([f.min() - 0.5, f.max() + 0.5])
    cs = ax.contourf(x, y, f.T, levels=levels, cmap="viridis")
    ax.contour(x, y, f.T, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
    fig.colorbar(cs, ax=ax, label=f"{data.get('label', 'value')} (levels at quantiles)", format="%.3g")
    for kind in ("minima", "saddles", "maxima"):
        pts = np.asarray(crit.get(kind, []), dtype=int).reshape(-1, 2)
        ax.plot(
            x[pts[:, 0]],
            y[pts[:, 1]],
            MARKERS[kind],
            color=COLOURS[kind],
            markeredgecolor="white",
            markersize=7,
            linestyle="none",
            label=f"{kind} ({len(pts)})",
        )
    if x.min() <= 0 <= x.max() and y.min() <= 0 <= y.max():
        ax.plot(
            [0], [0], "P", mfc="white", mec="black", markersize=13, mew=0.8, zorder=1.5, label="trained point"
        )
    floor = _num(data.get("noise_floor", 0.0))
    pairs = [p for p in data.get("pairs_h0") or [] if p.get("death") is not None]
    if pairs:
        b = np.asarray([p["birth"] for p in pairs], dtype=int)
        d = np.asarray([p["death"] for p in pairs], dtype=int)
        ax.plot(x[b[:, 0]], y[b[:, 1]], "o", mfc="none", mec="cyan", ms=11, mew=1.2, ls="none",
                label=f"H0 births ({len(pairs)} finite pairs)")  # fmt: skip
        ax.plot(
            x[d[:, 0]], y[d[:, 1]], "s", mfc="none", mec="cyan", ms=11, mew=1.2, ls="none", label="H0 deaths"
        )
        strong = [p for p in pairs if _num(p["lifetime"]) > floor]
        for p in strong:
            ax.annotate(
                "",
                xy=(x[p["death"][0]], y[p["death"][1]]),
                xytext=(x[p["birth"][0]], y[p["birth"][1]]),
                arrowprops={"arrowstyle": "->", "color": "white", "lw": 1.2},
            )
        ax.plot([], [], "-", color="white", label=f"{len(strong)} pair(s) above floor {floor:.3g} (arrows)")
    ax.set_xlabel("direction 1")
    ax.set_ylabel("direction 2")
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, framealpha=0.9)
    if data.get("title"):
        ax.set_title(str(data["title"]), fontsize=9)
    _zoom(ax, f, x, y, crit, pairs)


def _zoom(
    ax: Any, f: np.ndarray, x: np.ndarray, y: np.ndarray, crit: Mapping[str, Any], pairs: list[Any]
) -> None:
    """An inset magnifying the box around the critical points and pair vertices near the
    centre when they crowd into a small part of the grid (a narrow basin floor)."""
    pts = [p for kind in ("minima", "saddles") for p in crit.get(kind, [])]
    pts += [v for p in pairs for v in (p["birth"], p["death"])]
    inner = [p for p in pts if 0 < p[0] < f.shape[0] - 1 and 0 < p[1] < f.shape[1] - 1]
    if len(inner) < 2:
        return
    a = np.asarray(inner, dtype=int)
    i0, i1 = max(0, a[:, 0].min() - 2), min(f.shape[0], a[:, 0].max() + 3)
    j0, j1 = max(0, a[:, 1].min() - 2), min(f.shape[1], a[:, 1].max() + 3)
    if (i1 - i0) * (j1 - j0) > 0.15 * f.size:  # spread out: the main view shows them
        return
    sub = f[i0:i1, j0:j1]
    ins = ax.inset_axes([0.62, 0.02, 0.36, 0.36])
    levels = np.unique(np.quantile(sub, np.linspace(0, 1, 15)))
    if levels.size >= 2:
        ins.contourf(x[i0:i1], y[j0:j1], sub.T, levels=levels, cmap="magma")
    for kind in ("minima", "saddles"):
        q = np.asarray(crit.get(kind, []), dtype=int).reshape(-1, 2)
        q = q[(q[:, 0] >= i0) & (q[:, 0] < i1) & (q[:, 1] >= j0) & (q[:, 1] < j1)]
        ins.plot(x[q[:, 0]], y[q[:, 1]], MARKERS[kind], color=COLOURS[kind], mec="white", ms=6, ls="none")
    for p in pairs:
        ins.plot(x[p["birth"][0]], y[p["birth"][1]], "o", mfc="none", mec="cyan", ms=9)
        ins.plot(x[p["death"][0]], y[p["death"][1]], "s", mfc="none", mec="cyan", ms=9)
    ins.set_xticks([x[i0], x[i1 - 1]])
    ins.set_yticks([y[j0], y[j1 - 1]])
    ins.tick_params(labelsize=6, colors="white")
    ins.set_title(f"zoom: {sub.min():.4g} … {sub.max():.4g}", fontsize=6, color="white", pad=2)
    ax.indicate_inset_zoom(ins, edgecolor="white")


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def draw_diagram(fig: Any, data: Mapping[str, Any]) -> None:
    """A persistence diagram (left) and barcode (right) of ``data`` in the form of
    :meth:`~catdyn.topology.cubical.Diagram.to_dict` (``finite``, ``essential``,
    ``construction``, ``engine``, ``shape``), with an optional ``noise_floor`` (a shaded band
    above the diagonal) and ``title``. Essential classes sit on a separate "∞" line above the
    finite deaths and as bars running off the right edge, marked "essential". The barcode shows
    at most ``data["max_bars"]`` (default 30) longest bars per dimension and says how many more.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(9, 4))
    >>> draw_diagram(fig, {"finite": [[[0.0, 1.0], [0.2, 0.3]], [[0.5, 0.9]]], "essential": [[0.0], []],
    ...                    "construction": "vertex", "engine": "gudhi", "shape": [5, 5], "noise_floor": 0.2})
    >>> len(fig.axes), "vertex" in fig.axes[0].get_title()
    (2, True)
    >>> plt.close(fig)
    """
    finite = [np.asarray(p, dtype=float).reshape(-1, 2) for p in data.get("finite", [])]
    essential = [np.asarray(e, dtype=float).reshape(-1) for e in data.get("essential", [])]
    dims = max(len(finite), len(essential))
    finite += [np.zeros((0, 2))] * (dims - len(finite))
    essential += [np.zeros(0)] * (dims - len(essential))
    floor = _num(data.get("noise_floor", 0.0))
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"]
    allv = np.concatenate([p.ravel() for p in finite] + [e for e in essential] + [np.zeros(0)])
    lo, hi = (float(allv.min()), float(allv.max())) if allv.size else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    inf_y = hi + 0.12 * span
    ax, bx = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    diag = np.array([lo - 0.05 * span, inf_y + 0.05 * span])
    ax.plot(diag, diag, "k-", lw=0.8)
    if floor > 0:
        ax.fill_between(diag, diag, diag + floor, color="grey", alpha=0.25, label=f"noise floor {floor:.3g}")
    ax.axhline(inf_y, color="k", ls=":", lw=0.8)
    ax.text(diag[0], inf_y, " ∞", va="bottom", fontsize=8)
    for d in range(dims):
        c = colours[d % len(colours)]
        p = finite[d]
        ax.scatter(p[:, 0], p[:, 1], s=14, color=c, alpha=0.8, label=f"H{d} ({len(p)} finite)")
        e = essential[d]
        if e.size:
            ax.scatter(
                e, np.full(e.size, inf_y), s=60, marker="*", color=c, edgecolor="k",
                label=f"H{d} essential ({e.size})",
            )  # fmt: skip
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_xlim(diag)
    ax.set_ylim(diag)
    ax.legend(fontsize=7, loc="lower right")
    shape = "×".join(str(int(s)) for s in data.get("shape", []))
    name = f"{data.get('construction', '?')} construction, {data.get('engine', '?')}"
    ax.set_title(f"persistence diagram ({name}{', ' + shape + ' grid' if shape else ''})", fontsize=8)

    max_bars = int(data.get("max_bars", 30))
    row = 0
    right = inf_y
    for d in range(dims):
        c = colours[d % len(colours)]
        e = essential[d]
        for b in np.sort(e):
            bx.plot([b, right], [row, row], color=c, lw=2.5)
            bx.plot([right], [row], ">", color=c, markersize=6)
            bx.text(right, row, " essential", va="center", fontsize=6)
            row += 1
        p = finite[d]
        if not p.size and not e.size:
            bx.text(lo, row, f"H{d}: no pairs", fontsize=7, va="center", color=c)
            row += 1
        if p.size:
            order = np.argsort(-(p[:, 1] - p[:, 0]), kind="stable")
            shown = p[order[:max_bars]]
            shown = shown[np.argsort(shown[:, 0], kind="stable")]
            for b, dd in shown:
                bx.plot([b, dd], [row, row], color=c, lw=2.0 if dd - b > floor else 1.0,
                        alpha=1.0 if dd - b > floor else 0.45)  # fmt: skip
                row += 1
            if len(p) > max_bars:
                bx.text(lo, row, f"… {len(p) - max_bars} shorter H{d} bars not shown", fontsize=6)
                row += 1
        row += 1  # a gap between dimensions
    bx.set_yticks([])
    for d in range(dims):
        bx.plot([], [], color=colours[d % len(colours)], lw=2, label=f"H{d}")
    bx.set_ylim(row - 0.5, -1.0)  # top to bottom, texts included
    bx.set_xlim(lo - 0.05 * span, right + 0.2 * span)
    bx.set_xlabel("filtration value")
    bx.legend(fontsize=7, loc="lower right")
    bx.set_title("barcode (faint: below the noise floor)" if floor > 0 else "barcode", fontsize=8)


def _line(ax: Any, xs: np.ndarray, slope: float, intercept: float, **kw: Any) -> None:
    ax.plot(xs, intercept + slope * xs, **kw)


def draw_scatter(fig: Any, data: Mapping[str, Any]) -> None:
    """``data["y"]`` against ``data["x"]`` with the least-squares line ``data["fit"]``
    (``slope``, ``intercept``, ``r2``) and a reference line ``data["reference"]`` (``slope``,
    ``intercept``, ``label``; e.g. the paper's). Points are coloured by ``data["groups"]`` when
    given, and ``data["note"]`` is written in the lower left. The view is fitted to the points; a reference line outside it is named in the legend
    with where it lies.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure()
    >>> draw_scatter(fig, {"x": [0, 1, 2], "y": [0.1, 0.0, -0.1], "fit": {"slope": -0.1, "intercept": 0.1, "r2": 1.0},
    ...                    "reference": {"slope": -0.034, "intercept": 0.12, "label": "paper"}})
    >>> len(fig.axes[0].lines)
    2
    >>> plt.close(fig)
    """
    x = np.asarray([_num(v) for v in data["x"]], dtype=float)
    y = np.asarray([_num(v) for v in data["y"]], dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    groups = list(data.get("groups") or ["" for _ in x])
    ax = fig.add_subplot(1, 1, 1)
    names = sorted(set(groups), key=lambda g: (g != "base", str(g)))
    cmap = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    ]  # fmt: skip
    for k, g in enumerate(names):
        sel = ok & np.array([gg == g for gg in groups])
        marker = "osD^v<>P*"[(k // len(cmap)) % 9]
        ax.scatter(
            x[sel], y[sel], s=30, color=cmap[k % len(cmap)], marker=marker, label=str(g) or None, zorder=3
        )
    if ok.any():
        xl = np.array([x[ok].min(), x[ok].max()])
        pad = 0.05 * (xl[1] - xl[0] or 1.0)
        xs = np.linspace(xl[0] - pad, xl[1] + pad, 50)
        ylo, yhi = float(y[ok].min()), float(y[ok].max())
        ypad = 0.15 * (yhi - ylo or 0.1)
        fit = data.get("fit")
        if fit:
            _line(ax, xs, _num(fit["slope"]), _num(fit["intercept"]), color="k",
                  label=f"fit: {_num(fit['slope']):.3g}·x + {_num(fit['intercept']):.3g}, R² = {_num(fit.get('r2')):.2f}")  # fmt: skip
        ref = data.get("reference")
        if ref:
            s, b = _num(ref["slope"]), _num(ref["intercept"])
            ry = b + s * xs
            label = f"{ref.get('label', 'reference')}: {s:.3g}·x + {b:.3g}"
            if ry.max() < ylo - ypad or ry.min() > yhi + ypad:
                where = "below" if ry.max() < ylo - ypad else "above"
                label += f" (off the view, {where}: {ry.min():.3g} … {ry.max():.3g})"
            _line(ax, xs, s, b, color="#d62728", ls="--", label=label)
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ylo - ypad, yhi + ypad)
    ax.set_xlabel(str(data.get("xlabel", "x")))
    ax.set_ylabel(str(data.get("ylabel", "y")))
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    if data.get("note"):
        ax.text(0.01, 0.01, str(data["note"]), transform=ax.transAxes, fontsize=7, va="bottom", wrap=True)
    if data.get("title"):
        ax.set_title(str(data["title"]), fontsize=9)


def draw_ranking(fig: Any, data: Mapping[str, Any]) -> None:
    """Measures ranked by Kendall τ: ``data["rows"]`` is a list of ``{"name", "tau",
    "tau_interval": [lo, hi], "p", "cv_r2", "kind"}`` (``kind`` "baseline" or anything else),
    drawn strongest |τ| at the top as a dot with its bootstrap interval, the permutation
    p-value and cross-validated R² written beside it.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure()
    >>> draw_ranking(fig, {"rows": [{"name": "a", "tau": -0.5, "tau_interval": [-0.8, -0.1], "p": 0.01,
    ...                              "cv_r2": 0.2, "kind": "topological"},
    ...                             {"name": "b", "tau": 0.1, "tau_interval": [-0.3, 0.4], "p": 0.6,
    ...                              "cv_r2": -0.1, "kind": "baseline"}]})
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()][::-1]  # top to bottom
    ['a', 'b']
    >>> plt.close(fig)
    """
    rows = sorted(
        data.get("rows", []),
        key=lambda r: -abs(_num(r.get("tau"))) if math.isfinite(_num(r.get("tau"))) else 0.0,
    )
    ax = fig.add_subplot(1, 1, 1)
    n = len(rows)
    for k, r in enumerate(rows):
        yk = n - 1 - k
        base = r.get("kind") == "baseline"
        c = "#7f7f7f" if base else "#1f77b4"
        t = _num(r.get("tau"))
        lo, hi = (_num(v) for v in (r.get("tau_interval") or [math.nan, math.nan]))
        if math.isfinite(lo) and math.isfinite(hi):
            ax.plot([lo, hi], [yk, yk], color=c, lw=2)
        ax.plot([t], [yk], "s" if base else "o", color=c, markersize=7)
        ax.text(1.02, yk, f"p={_num(r.get('p')):.2g}  CV R²={_num(r.get('cv_r2')):.2f}", fontsize=7,
                va="center", transform=ax.get_yaxis_transform())  # fmt: skip
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(n), [str(r.get("name")) for r in rows][::-1] if n else [])
    ax.set_xlim(-1, 1)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(f"Kendall τ with {data.get('target', 'the target')} (bar: bootstrap interval)")
    ax.plot([], [], "o", color="#1f77b4", label="topological / trajectory")
    ax.plot([], [], "s", color="#7f7f7f", label="baseline")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(axis="x", alpha=0.3)
    if data.get("title"):
        ax.set_title(str(data["title"]), fontsize=9)
