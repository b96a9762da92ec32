"""The report of a run: ``report.md``, a self-contained ``report.html`` and ``claims.json``.

Written to ``STORE/reports/RUN/``. The HTML page embeds every plot as a base64 PNG and
carries a Content-Security-Policy that forbids fetching anything (``default-src 'none'``),
so it opens offline and leaks nothing. The Markdown file links the same PNGs (``plots/``).

What is drawn comes from the run itself: the experiment's diagram (stages and steps, each
step coloured by its outcome), and every ``series``, ``heatmap`` and ``figure`` record an operation made
(later operations add barrier heat maps, persistence diagrams … simply by recording them).
Tables with a ``status`` column show failed rows (a diverged ensemble member) in red and
list them under *Failures*. ``claims.json`` holds one entry per claim: the claim, the
paper's figure, the measured figure with its interval and the verdict.

>>> import tempfile
>>> from catdyn.runner.experiment import Experiment
>>> from catdyn.runner.run import run_experiment
>>> exp = Experiment("demo", seed=0)
>>> xs, m = exp.stage("xs", "array"), exp.stage("m", "metrics")
>>> _ = exp.step("draw", None, xs, op="random_normal", n=4)
>>> _ = exp.step("sum", xs, m, op="summarise")
>>> s = run_experiment(exp, tempfile.mkdtemp(), report=False)
>>> paths = write_report(Store(s.store), s.run_id)
>>> sorted(paths)
['claims', 'html', 'markdown']
>>> "default-src 'none'" in open(paths["html"]).read()
True
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import time
from collections.abc import Callable
from typing import Any

from catdyn.errors import RunError
from catdyn.runner.store import Store, write_atomic

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
"""The page's Content-Security-Policy: nothing may be fetched; images only from data: URIs."""

_OUTCOME_COLOURS = {"computed": "#4c9a2a", "reused": "#3a7dc9", "failed": "#c0392b", "blocked": "#d68910"}


# --- plots ------------------------------------------------------------------------------------
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


_VERDICT_COLOURS = {
    "held": "#4c9a2a", "proved": "#4c9a2a", "reproduced": "#4c9a2a",
    "refuted": "#c0392b", "error": "#c0392b", "not reproduced": "#c0392b", "contradicted": "#c0392b",
    "inconclusive": "#d68910", "not measured": "#888888",
}
"""The colour of a face or claim by its verdict (green: held/reproduced, red: refuted/not
reproduced, amber: inconclusive)."""


def _worst(verdicts: list[str]) -> str:
    """The verdict a node shows for its claims: refuted/not reproduced beat inconclusive beat held.

    >>> _worst(["reproduced", "inconclusive"]), _worst([])
    ('inconclusive', '')
    """
    for v in ("error", "refuted", "contradicted", "not reproduced", "inconclusive", "not measured", "held", "proved", "reproduced"):
        if v in verdicts:
            return v
    return verdicts[0] if verdicts else ""


def _diagram_graph(experiment: dict[str, Any]) -> Any:
    """Nodes: the point, the stages and one product node per distinct product domain; one
    edge per step (from its domain: the point, a stage or a product) and dotted projection
    edges from each factor into its product node."""
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node("1", role="point")
    for s in experiment["stages"]:
        g.add_node(s["name"], role="stage")
    for st in experiment["steps"]:
        dom = st["dom"]
        if len(dom) > 1:
            prod = " × ".join(dom)
            if prod not in g:
                g.add_node(prod, role="product")
                for d in dom:
                    g.add_edge(d, prod, projection=True, step="")
            src = prod
        else:
            src = dom[0] if dom else "1"
        g.add_edge(src, st["cod"], step=st["name"], op=st.get("op", ""), projection=False)
    return g


def _layout(g: Any) -> dict[str, tuple[float, float]]:
    import networkx as nx

    depth: dict[str, int] = {}
    for n in nx.topological_sort(g):
        preds = list(g.predecessors(n))
        step = 0.5 if g.nodes[n].get("role") == "product" else 1
        depth[n] = 0 if not preds else max(depth[p] for p in preds) + step
    layers: dict[float, list[str]] = {}
    for n in g.nodes:  # declaration order within a layer
        layers.setdefault(depth[n], []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    for d in sorted(layers):  # order each layer by its predecessors' heights (fewer crossings)
        ns = layers[d]
        if d > 0:
            ns.sort(key=lambda n: -sum(pos[p][1] for p in g.predecessors(n)) / max(1, g.in_degree(n)))
        pos.update({n: (2.2 * d, (len(ns) - 1) / 2 - i) for i, n in enumerate(ns)})
    return pos


def plot_diagram(
    experiment: dict[str, Any],
    outcomes: dict[str, str],
    verdicts: dict[str, str] | None = None,
    claims: dict[str, list[str]] | None = None,
) -> bytes:
    """The experiment's diagram, as the run executed it: the point, the stages (objects, with
    their type), one arrow per step (morphism; from a product node when it reads several
    objects), each coloured by its task's outcome; each declared equation a dashed line and
    each pullback square a shaded face, coloured by its check's verdict (``verdicts``, by
    equation name); a stage whose step made claims is outlined in the colour of their worst
    verdict (``claims``, by step name).

    >>> d = {"name": "e", "stages": [{"name": "x", "kind": "array"}],
    ...      "steps": [{"name": "draw", "dom": [], "cod": "x", "op": "random_normal"}]}
    >>> plot_diagram(d, {"draw": "computed"})[:4]
    b'\\x89PNG'
    """
    plt = _pyplot()
    verdicts, claims = verdicts or {}, claims or {}
    g = _diagram_graph(experiment)
    pos = _layout(g)
    width = max(p[0] for p in pos.values()) / 2.2 + 1
    tallest = max(sum(1 for p in pos.values() if p[0] == x) for x in {p[0] for p in pos.values()})
    fig, ax = plt.subplots(figsize=(1.2 + 2.4 * width, 1.0 + 1.1 * tallest))
    for eq in experiment.get("equations", []):
        colour = _VERDICT_COLOURS.get(verdicts.get(eq["name"], ""), "#7d3c98")
        face = [n for n in eq.get("face", []) if n in pos]
        if len(face) >= 3:
            ax.fill(*zip(*(pos[n] for n in face)), color=colour, alpha=0.10, zorder=0, lw=0)
        (x0, y0), (x1, y1) = pos[eq["lhs"]], pos[eq["rhs"]]
        ax.plot([x0, x1], [y0, y1], ls=(0, (4, 3)), color=colour, lw=1.6, zorder=0)
        mark = {"held": " ✓", "proved": " ✓", "refuted": " ✗"}.get(verdicts.get(eq["name"], ""), "")
        ax.text((x0 + x1) / 2 + 0.08, (y0 + y1) / 2, f"= {eq['name']}{mark}", fontsize=6.5, ha="left",
                va="center", color=colour, zorder=3)
    by_cod = {st["cod"]: st["name"] for st in experiment["steps"]}
    for u, v, data in g.edges(data=True):
        colour = "#999999" if data["projection"] else _OUTCOME_COLOURS.get(outcomes.get(data["step"], ""), "#555555")
        ax.annotate("", xy=pos[v], xytext=pos[u], zorder=1, arrowprops={
            "arrowstyle": "-" if data["projection"] else "-|>", "color": colour,
            "lw": 0.7 if data["projection"] else 1.4, "ls": ":" if data["projection"] else "-",
            "shrinkA": 14, "shrinkB": 16, "connectionstyle": "arc3,rad=0.06"})
        if not data["projection"]:
            label = data["step"] if data["op"] in ("", data["step"]) or data["step"].startswith(data["op"]) \
                else f"{data['step']}\n[{data['op']}]"
            mx, my = 0.5 * pos[u][0] + 0.5 * pos[v][0], 0.5 * pos[u][1] + 0.5 * pos[v][1]
            ax.text(mx, my, label, fontsize=6, ha="center", va="center", color=colour, zorder=3,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    kinds = {s["name"]: s["kind"] for s in experiment["stages"]}
    for n, (x, y) in pos.items():
        role = g.nodes[n].get("role")
        if role == "product":
            ax.text(x, y, "×", ha="center", va="center", fontsize=9, zorder=4,
                    bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "#999999"})
            continue
        worst = _worst(claims.get(by_cod.get(n, ""), []))
        edge = _VERDICT_COLOURS.get(worst, "#333333")
        label = n if role == "point" else f"{n}\n({kinds.get(n, '')})" + (f"\nclaims: {worst}" if worst else "")
        ax.text(x, y, label, ha="center", va="center", fontsize=7, zorder=4,
                bbox={"boxstyle": "round,pad=0.3", "fc": "#f4f4f4", "ec": edge, "lw": 2.0 if worst else 1.0})
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 1.2)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    ax.set_title(f"experiment {experiment['name']}", fontsize=10)
    return _png(fig)


def plot_series(name: str, data: dict[str, Any]) -> bytes:
    """Curves against a shared x axis; highlighted (failed) curves dashed red, with ✗ in the
    legend.

    >>> plot_series("loss", {"x": [0, 1], "lines": {"a": [1.0, 0.5], "b": [1.0, float("nan")]},
    ...                      "highlight": ["b"]})[:4]
    b'\\x89PNG'
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    x = data["x"]
    failed = set(data.get("highlight", ()))
    for label, ys in data["lines"].items():
        finite = [_num(v) for v in ys]
        finite = [v if math.isfinite(v) else math.nan for v in finite]
        if label in failed:
            ax.plot(x, finite, "--", color="#c0392b", lw=1.5, label=f"{label} ✗ failed")
        else:
            ax.plot(x, finite, lw=1.0, label=label)
    spots: dict[tuple[float, float], list[str]] = {}
    for label, (mx, my) in data.get("marks", {}).items():
        spots.setdefault((_num(mx), float(f"{_num(my):.3g}")), []).append(label)
    for i, ((mx, my), labels) in enumerate(sorted(spots.items())):
        ax.plot([mx], [my], "x", color="#c0392b", ms=9, mew=2)
        text = f"{labels[0]}: diverged" if len(labels) == 1 else f"{len(labels)} members diverged here"
        ax.annotate(
            text,
            (mx, my),
            textcoords="offset points",
            xytext=(8, 4 - 9 * (i % 3)),
            fontsize=6,
            color="#c0392b",
        )
    if data.get("logy"):
        finite_all = [_num(v) for ys in data["lines"].values() for v in ys]
        finite_all = [v for v in finite_all if math.isfinite(v)]
        if finite_all and min(finite_all) > 0:
            ax.set_yscale("log")
    ax.set_xlabel(data.get("xlabel", ""))
    ax.set_ylabel(data.get("ylabel", ""))
    ax.set_title(name, fontsize=10)
    if len(data["lines"]) <= 16:
        ax.legend(fontsize=6, ncol=2)
    return _png(fig)


def plot_heatmap(name: str, data: dict[str, Any]) -> bytes:
    """A matrix as a heat map with a colour bar.

    >>> plot_heatmap("m", {"matrix": [[0, 1], [1, 0]]})[:4]
    b'\\x89PNG'
    """
    import numpy as np

    plt = _pyplot()
    m = np.asarray([[_num(v) for v in row] for row in data["matrix"]], dtype=float)
    fig, ax = plt.subplots(figsize=(4.8, 4.0))
    im = ax.imshow(m, cmap="viridis")
    fig.colorbar(im, ax=ax, label=data.get("label", ""))
    if data.get("xlabels"):
        ax.set_xticks(range(len(data["xlabels"])), data["xlabels"], rotation=90, fontsize=6)
    if data.get("ylabels"):
        ax.set_yticks(range(len(data["ylabels"])), data["ylabels"], fontsize=6)
    ax.set_title(name, fontsize=10)
    return _png(fig)


def draw_bars(fig: Any, data: dict[str, Any]) -> None:
    """A bar chart of ``data["values"]`` labelled by ``data["labels"]`` (a simple drawer,
    also the example of the ``figure`` record's contract).

    >>> plot_figure("b", {"drawer": "catdyn.runner.report:draw_bars",
    ...                   "data": {"labels": ["x", "y"], "values": [1, 2]}})[:4]
    b'\\x89PNG'
    """
    ax = fig.add_subplot(1, 1, 1)
    ax.bar(range(len(data["values"])), [_num(v) for v in data["values"]])
    ax.set_xticks(range(len(data["labels"])), data["labels"], fontsize=7)


def resolve_drawer(drawer: str) -> Callable[[Any, dict[str, Any]], None]:
    """The drawing function named ``"catdyn.module:function"``; anything outside catdyn is
    refused, so a report never runs code a stored run merely names.

    >>> resolve_drawer("os:system")
    Traceback (most recent call last):
    ...
    catdyn.errors.RunError: a figure names the drawer 'os:system', which is not a function inside catdyn. Record figures with a drawer 'catdyn.<module>:<function>'.
    """
    import importlib

    module_name, _, func_name = drawer.partition(":")
    if not (module_name == "catdyn" or module_name.startswith("catdyn.")) or not func_name.isidentifier():
        raise RunError(
            f"a figure names the drawer {drawer!r}, which is not a function inside catdyn",
            "Record figures with a drawer 'catdyn.<module>:<function>'",
        )
    try:
        func = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as exc:
        raise RunError(
            f"a figure names the drawer {drawer!r}, which cannot be found ({exc})",
            "Install the extra that provides it, or fix the name",
        ) from None
    return func


def plot_figure(name: str, record: dict[str, Any]) -> bytes:
    """Draw a ``figure`` record (``{"drawer": …, "data": …}``) to PNG bytes; a drawer that
    fails yields a figure saying so rather than a lost report."""
    plt = _pyplot()
    fig = plt.figure(figsize=tuple(record.get("data", {}).get("figsize", (6.4, 4.0))))
    try:
        resolve_drawer(record["drawer"])(fig, record.get("data", {}))
    except Exception as exc:  # the report must still be written: show what went wrong
        fig.clf()
        fig.text(0.02, 0.5, f"could not draw {name}:\n{type(exc).__name__}: {exc}", fontsize=8, wrap=True)
    caption = record.get("caption", "")
    fig.suptitle(f"{name}\n{caption}" if caption else name, fontsize=10)
    return _png(fig)


# --- gathering ------------------------------------------------------------------------------
def _num(v: Any) -> float:
    """A float from a stored number (NaN and ±inf come back from JSON as text)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "NaN" if v != v else ("∞" if v > 0 else "−∞")
        return f"{v:.4g}"
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return {"nan": "NaN", "inf": "∞", "-inf": "−∞"}[v]
    return str(v)


def gather(store: Store, run_id: str) -> dict[str, Any]:
    """Everything a report shows, as plain data (also what ``claims.json`` is cut from).

    >>> import tempfile
    >>> st = Store(tempfile.mkdtemp())
    >>> r = st.begin_run("s.py", "", "smoke", "cpu", "local", {"experiment": {"name": "e", "stages": [], "steps": []}})
    >>> gather(st, r)["tasks"]
    []
    """
    run = store.resolve_run(run_id)
    config = store.run_config(run.id)
    tasks = store.run_tasks(run.id)
    sections = []
    claims = []
    failures = []
    for t in tasks:
        recs = store.records(t["key"]) if t["status"] == "done" else []
        section = {
            "step": t["morphism"],
            "op": (t["op"] or "").rsplit(":", 1)[-1],  # a morphism's class, without its module
            "outcome": t["outcome"],
            "key": t["key"],
            "seconds": t["seconds"],
            "error": t["error"] if t["outcome"] in ("failed", "blocked") else "",
            "metrics": [],
            "tables": [],
            "series": [],
            "heatmaps": [],
            "figures": [],
            "laws": [],
        }
        for kind, name, value, data in recs:
            if kind == "metric":
                shown = value if value is not None else (float(data["value"]) if data else math.nan)
                section["metrics"].append((name, shown))
            elif kind == "table":
                section["tables"].append((name, data))
                for row in data:
                    if str(row.get("status", "ok")) not in ("ok", "held", "proved"):
                        failures.append({"step": t["morphism"], "table": name, **row})
            elif kind == "series":
                section["series"].append((name, data))
            elif kind == "heatmap":
                section["heatmaps"].append((name, data))
            elif kind == "figure":
                section["figures"].append((name, data))
            elif kind == "law":
                section["laws"].append(data)
            elif kind == "claim":
                claims.append({**data, "step": t["morphism"], "task": t["key"]})
        sections.append(section)
    return {
        "run": run,
        "config": config,
        "tasks": tasks,
        "sections": sections,
        "claims": claims,
        "failures": failures,
    }


# --- writing --------------------------------------------------------------------------------
def _md_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_(empty)_\n"
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for r in rows:
        cells = [_fmt(r.get(c, "")).replace("|", "\\|") for c in cols]
        if str(r.get("status", "ok")) not in ("ok", "held", "proved"):
            cells = [f"**{c}**" if c else c for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _html_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p><em>(empty)</em></p>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = []
    for r in rows:
        bad = str(r.get("status", "ok")) not in ("ok", "held", "proved")
        cells = "".join(f"<td>{html.escape(_fmt(r.get(c, '')))}</td>" for c in cols)
        body.append(f'<tr class="{"failed" if bad else ""}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _claim_row(c: dict[str, Any]) -> dict[str, Any]:
    interval = c.get("interval")
    return {
        "claim": c["claim"],
        "paper's figure": c["paper"],
        "measured": c.get("measured"),
        "interval": "" if not interval else f"[{_fmt(interval[0])}, {_fmt(interval[1])}]",
        "what was measured": c.get("figure", ""),
        "verdict": c["verdict"],
        "computed by": c.get("step", ""),  # an arrow of the drawn diagram
    }


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}
th{background:#f0f0f0}tr.failed td{background:#fbe3e1;color:#8e1b10;font-weight:600}
img{max-width:100%;height:auto;display:block;margin:.5em 0}code{background:#f4f4f4;padding:0 .2em}
.computed{color:#4c9a2a}.reused{color:#3a7dc9}.failed{color:#c0392b}.blocked{color:#d68910}
"""


REPORT_ENTRIES = {"report.md", "report.html", "claims.json", "plots"}
"""What a report folder holds (an existing folder with anything else is not replaced)."""


def write_report(store: Store, run_id: str | None = None, out_dir: str | None = None) -> dict[str, str]:
    """Write ``report.md``, ``report.html`` and ``claims.json`` for a run (default: the latest)
    into ``out_dir`` (default ``STORE/reports/RUN``); returns their paths. The folder is written
    as a whole (:mod:`catdyn.runner.atomic_folder`): a kill while writing leaves no partial
    report."""
    from catdyn.runner.atomic_folder import written_as_a_whole

    run = store.resolve_run(run_id or "latest")
    final = os.path.abspath(out_dir or os.path.join(store.root, "reports", run.id))
    with written_as_a_whole(final, store.owner.id, REPORT_ENTRIES, store.abandoned) as staging:
        paths = _write_into(store, run.id, staging)
    return {kind: os.path.join(final, os.path.relpath(path, staging)) for kind, path in paths.items()}


def _write_into(store: Store, run_id: str | None = None, out_dir: str | None = None) -> dict[str, str]:
    """Write the report files of a run into the folder ``out_dir``; returns their paths."""
    info = gather(store, run_id or "latest")
    run = info["run"]
    exp = info["config"].get("experiment") or {"name": run.experiment, "stages": [], "steps": []}
    folder = out_dir or os.path.join(store.root, "reports", run.id)
    os.makedirs(os.path.join(folder, "plots"), exist_ok=True)
    outcomes = {t["morphism"]: t["outcome"] for t in info["tasks"]}
    plots: list[tuple[str, str, bytes]] = []  # (section step or "", title, png)
    if exp.get("steps"):
        verdicts = {s["step"][2:]: law["status"] for s in info["sections"] if s["step"].startswith("= ")
                    for law in s["laws"]}
        claimed: dict[str, list[str]] = {}
        for c in info["claims"]:
            claimed.setdefault(c["step"], []).append(c["verdict"])
        plots.append(("", "diagram", plot_diagram(exp, outcomes, verdicts, claimed)))
    for s in info["sections"]:
        for name, data in s["series"]:
            plots.append((s["step"], name, plot_series(f"{s['step']}: {name}", data)))
        for name, data in s["heatmaps"]:
            plots.append((s["step"], name, plot_heatmap(f"{s['step']}: {name}", data)))
        for name, data in s["figures"]:
            plots.append((s["step"], name, plot_figure(f"{s['step']}: {name}", data)))
    files = {}
    for i, (step, title, png) in enumerate(plots):
        fname = f"plots/{i:02d}-{''.join(ch if ch.isalnum() else '-' for ch in (step + '-' + title).strip('-'))}.png"
        write_atomic(os.path.join(folder, fname), png)
        files[(step, title)] = (fname, png)

    counts: dict[str, int] = {}
    for t in info["tasks"]:
        counts[t["outcome"]] = counts.get(t["outcome"], 0) + 1
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
    took = "" if run.seconds is None else f"{run.seconds:.1f} s"
    header = [
        ("run", run.id),
        ("experiment", run.experiment),
        ("spec", run.spec),
        ("preset", run.preset),
        ("device", run.device),
        ("executor", run.executor),
        ("status", run.status),
        ("started", when),
        ("took", took),
        ("tasks", ", ".join(f"{v} {k}" for k, v in counts.items())),
    ]
    task_rows = [
        {
            "step": s["step"],
            "op": s["op"],
            "outcome": s["outcome"],
            "seconds": s["seconds"],
            "key": s["key"][:12],
            "error": s["error"] or "",
        }
        for s in info["sections"]
    ]
    claim_rows = [_claim_row(c) for c in info["claims"]]

    # claims.json
    claims_doc = {
        "run": run.id,
        "experiment": run.experiment,
        "preset": run.preset,
        "claims": [
            {
                "claim": c["claim"],
                "paper": c["paper"],
                "measured": _json_num(c.get("measured")),
                "interval": None if not c.get("interval") else [_json_num(v) for v in c["interval"]],
                "figure": c.get("figure", ""),
                "verdict": c["verdict"],
                "detail": c.get("detail", ""),
                "step": c["step"],
            }
            for c in info["claims"]
        ],
    }
    claims_path = os.path.join(folder, "claims.json")
    write_atomic(claims_path, json.dumps(claims_doc, indent=2, ensure_ascii=False).encode())

    # Markdown
    md = [f"# catdyn report: {run.experiment}\n"]
    md += [f"- **{k}**: {v}" for k, v in header if v]
    if exp.get("description"):
        md += ["", exp["description"]]
    if ("", "diagram") in files:
        md += ["", "## Diagram", "", f"![diagram]({files[('', 'diagram')][0]})"]
    md += ["", "## Claims", "", _md_table(claim_rows) if claim_rows else "_No claims were measured._\n"]
    if info["failures"]:
        md += ["## Failures", "", _md_table(info["failures"])]
    md += ["## Tasks", "", _md_table(task_rows)]
    for s in info["sections"]:
        md += [f"## {s['step']} ({s['op']}): {s['outcome']}", ""]
        if s["error"]:
            md += [f"> {s['error']}", ""]
        if s["metrics"]:
            md += [_md_table([{"metric": n, "value": v} for n, v in s["metrics"]])]
        for law in s["laws"]:
            md += [
                f"- law **{law['law']}**: {law['status']} ({law['engine']}, {law['examples']} examples, "
                f"largest residual {_fmt(law['residual'])})",
                "",
            ]
        for name, rows in s["tables"]:
            md += [f"### {name}", "", _md_table(rows)]
        for name, _ in s["series"] + s["heatmaps"] + s["figures"]:
            md += [f"![{name}]({files[(s['step'], name)][0]})", ""]
    md_path = os.path.join(folder, "report.md")
    write_atomic(md_path, "\n".join(md).encode())

    # HTML
    def img(key: tuple[str, str], alt: str) -> str:
        data = base64.b64encode(files[key][1]).decode("ascii")
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'

    h = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>catdyn report: {html.escape(run.experiment)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>catdyn report: {html.escape(run.experiment)}</h1>",
        "<table>",
    ]
    h += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in header if v]
    h.append("</table>")
    if exp.get("description"):
        h.append(f"<p>{html.escape(exp['description'])}</p>")
    if ("", "diagram") in files:
        h += ["<h2>Diagram</h2>", img(("", "diagram"), "the experiment's diagram")]
    h += ["<h2>Claims</h2>", _html_table(claim_rows) if claim_rows else "<p>No claims were measured.</p>"]
    if info["failures"]:
        h += ["<h2>Failures</h2>", _html_table(info["failures"])]
    h += ["<h2>Tasks</h2>", _html_table(task_rows)]
    for s in info["sections"]:
        h.append(
            f"<h2>{html.escape(s['step'])} <small>({html.escape(s['op'] or '')})</small>: "
            f'<span class="{html.escape(s["outcome"])}">{html.escape(s["outcome"])}</span></h2>'
        )
        if s["error"]:
            h.append(f'<p class="failed">{html.escape(s["error"])}</p>')
        if s["metrics"]:
            h.append(_html_table([{"metric": n, "value": v} for n, v in s["metrics"]]))
        for law in s["laws"]:
            h.append(
                f"<p>law <b>{html.escape(law['law'])}</b>: {html.escape(law['status'])} "
                f"({html.escape(law['engine'])}, {law['examples']} examples, largest residual "
                f"{html.escape(_fmt(law['residual']))})</p>"
            )
        for name, rows in s["tables"]:
            h += [f"<h3>{html.escape(name)}</h3>", _html_table(rows)]
        for name, _ in s["series"] + s["heatmaps"] + s["figures"]:
            h.append(img((s["step"], name), name))
    h.append("</body></html>")
    html_path = os.path.join(folder, "report.html")
    write_atomic(html_path, "\n".join(h).encode())
    return {"markdown": md_path, "html": html_path, "claims": claims_path}


def _json_num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
