"""The report of a run: ``report.md``, a self-contained ``report.html`` and ``claims.json``.

Written to ``STORE/reports/RUN/``. The HTML page holds the experiment's diagram inline as SVG
and embeds every plot as a base64 PNG; it carries a Content-Security-Policy that forbids
fetching anything (``default-src 'none'``), so it opens offline and leaks nothing. The
Markdown file links the same files (``plots/``).

What is drawn comes from the run itself: the experiment's diagram, drawn by
:mod:`catdyn.draw` exactly as ``catdyn draw`` draws the spec (:func:`run_diagram_svg`: each
arrow coloured by its task's outcome, each equation's face by its verdict), and every
``series``, ``heatmap`` and ``figure`` record a morphism made (drawn with matplotlib; a
morphism adds barrier heat maps, persistence diagrams … simply by recording them).
Tables with a ``status`` column show failed rows (a diverged ensemble member) in red and
list them under *Failures*. ``claims.json`` holds one entry per claim: the claim, the
paper's figure, the measured figure with its interval and the verdict.

>>> import tempfile
>>> from catdyn.experiments import Experiment
>>> from catdyn.backends.numpy.morphisms import NormalDraws, Summarise
>>> from catdyn.runner.run import run_experiment
>>> exp = Experiment("demo", seed=0)
>>> _ = exp.add("m", Summarise(), exp.add("xs", NormalDraws(n=4)))
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
from dataclasses import dataclass
from typing import Any

from catdyn.errors import RunError
from catdyn.runner.store import Store, write_atomic

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
"""The page's Content-Security-Policy: nothing may be fetched; images only from data: URIs."""

DIAGRAM_FILE = "plots/diagram.svg"
"""Where ``report.md`` finds the experiment's diagram (``report.html`` holds it inline)."""


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
img{max-width:100%;height:auto;display:block;margin:.5em 0}.diagram{overflow-x:auto;margin:.5em 0}.diagram svg{display:block}code{background:#f4f4f4;padding:0 .2em}
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


@dataclass(frozen=True)
class _Page:
    """What every report file of a run is written from: the gathered run, the experiment's
    description, the header rows, the tables, the diagram (SVG) and the plots
    (``{(step, title): (file name, png)}``)."""

    info: dict[str, Any]
    experiment: dict[str, Any]
    header: list[tuple[str, str]]
    task_rows: list[dict[str, Any]]
    claim_rows: list[dict[str, Any]]
    diagram: str
    plots: dict[tuple[str, str], tuple[str, bytes]]

    @property
    def run(self) -> Any:
        return self.info["run"]


def run_diagram_svg(info: dict[str, Any]) -> str:
    """The experiment's diagram as the run executed it, drawn by :mod:`catdyn.draw` (the same
    drawing as ``catdyn draw``): each arrow coloured by its task's outcome, each declared
    equation's face by its check's verdict, each node an arrow made claims into outlined by their
    worst verdict; ``""`` when the run stored no experiment with arrows (the stored description
    lists nodes under ``stages`` and arrows under ``steps``, as every catdyn has written it)."""
    from catdyn.draw import diagram_svg

    exp = info["config"].get("experiment") or {}
    if not exp.get("steps"):
        return ""
    outcomes = {t["morphism"]: t["outcome"] for t in info["tasks"]}
    verdicts = {s["step"][2:]: law["status"] for s in info["sections"] if s["step"].startswith("= ")
                for law in s["laws"]}
    claimed: dict[str, list[str]] = {}
    for c in info["claims"]:
        claimed.setdefault(c["step"], []).append(c["verdict"])
    return diagram_svg(exp, verdicts, outcomes=outcomes, claims=claimed)


def _plot_name(index: int, step: str, title: str) -> str:
    return f"plots/{index:02d}-{''.join(ch if ch.isalnum() else '-' for ch in (step + '-' + title).strip('-'))}.png"


def _draw_plots(info: dict[str, Any]) -> list[tuple[str, str, bytes]]:
    """Every series, heat map and figure the run recorded, drawn: ``(step, title, png)``."""
    plots = []
    for s in info["sections"]:
        for name, data in s["series"]:
            plots.append((s["step"], name, plot_series(f"{s['step']}: {name}", data)))
        for name, data in s["heatmaps"]:
            plots.append((s["step"], name, plot_heatmap(f"{s['step']}: {name}", data)))
        for name, data in s["figures"]:
            plots.append((s["step"], name, plot_figure(f"{s['step']}: {name}", data)))
    return plots


def _write_pictures(folder: str, diagram: str, plots: list[tuple[str, str, bytes]]) -> dict[tuple[str, str], tuple[str, bytes]]:
    """Write ``plots/diagram.svg`` and each plot's PNG; returns ``{(step, title): (file, png)}``."""
    os.makedirs(os.path.join(folder, "plots"), exist_ok=True)
    if diagram:
        write_atomic(os.path.join(folder, DIAGRAM_FILE), diagram.encode())
    files = {}
    for i, (step, title, png) in enumerate(plots):
        fname = _plot_name(i, step, title)
        write_atomic(os.path.join(folder, fname), png)
        files[(step, title)] = (fname, png)
    return files


def _header(run: Any, tasks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The facts of the run the report opens with."""
    counts: dict[str, int] = {}
    for t in tasks:
        counts[t["outcome"]] = counts.get(t["outcome"], 0) + 1
    return [
        ("run", run.id),
        ("experiment", run.experiment),
        ("spec", run.spec),
        ("preset", run.preset),
        ("device", run.device),
        ("executor", run.executor),
        ("status", run.status),
        ("started", time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))),
        ("took", "" if run.seconds is None else f"{run.seconds:.1f} s"),
        ("tasks", ", ".join(f"{v} {k}" for k, v in counts.items())),
    ]


def _task_rows(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"step": s["step"], "op": s["op"], "outcome": s["outcome"], "seconds": s["seconds"],
             "key": s["key"][:12], "error": s["error"] or ""} for s in sections]


def _page(store: Store, run_id: str, folder: str) -> _Page:
    """Gather the run, draw its diagram and plots into ``folder``, and cut the tables."""
    info = gather(store, run_id)
    run = info["run"]
    exp = info["config"].get("experiment") or {"name": run.experiment, "stages": [], "steps": []}
    diagram = run_diagram_svg(info)
    plots = _write_pictures(folder, diagram, _draw_plots(info))
    return _Page(info, exp, _header(run, info["tasks"]), _task_rows(info["sections"]),
                 [_claim_row(c) for c in info["claims"]], diagram, plots)


def _write_claims(folder: str, page: _Page) -> str:
    """``claims.json``: one entry per claim, with the step (arrow) that computed it."""
    run = page.run
    doc = {
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
            for c in page.info["claims"]
        ],
    }
    path = os.path.join(folder, "claims.json")
    write_atomic(path, json.dumps(doc, indent=2, ensure_ascii=False).encode())
    return path


def _law_line(law: dict[str, Any]) -> str:
    return (f"{law['status']} ({law['engine']}, {law['examples']} examples, "
            f"largest residual {_fmt(law['residual'])})")


def _md_section(s: dict[str, Any], plots: dict[tuple[str, str], tuple[str, bytes]]) -> list[str]:
    """One arrow's part of ``report.md``: its error, metrics, laws, tables and plots."""
    md = [f"## {s['step']} ({s['op']}): {s['outcome']}", ""]
    if s["error"]:
        md += [f"> {s['error']}", ""]
    if s["metrics"]:
        md += [_md_table([{"metric": n, "value": v} for n, v in s["metrics"]])]
    for law in s["laws"]:
        md += [f"- law **{law['law']}**: {_law_line(law)}", ""]
    for name, rows in s["tables"]:
        md += [f"### {name}", "", _md_table(rows)]
    for name, _ in s["series"] + s["heatmaps"] + s["figures"]:
        md += [f"![{name}]({plots[(s['step'], name)][0]})", ""]
    return md


def _write_markdown(folder: str, page: _Page) -> str:
    """``report.md``: the header, the diagram (linked SVG), claims, failures, tasks, each arrow."""
    md = [f"# catdyn report: {page.run.experiment}\n"]
    md += [f"- **{k}**: {v}" for k, v in page.header if v]
    if page.experiment.get("description"):
        md += ["", page.experiment["description"]]
    if page.diagram:
        md += ["", "## Diagram", "", f"![diagram]({DIAGRAM_FILE})"]
    md += ["", "## Claims", "", _md_table(page.claim_rows) if page.claim_rows else "_No claims were measured._\n"]
    if page.info["failures"]:
        md += ["## Failures", "", _md_table(page.info["failures"])]
    md += ["## Tasks", "", _md_table(page.task_rows)]
    for s in page.info["sections"]:
        md += _md_section(s, page.plots)
    path = os.path.join(folder, "report.md")
    write_atomic(path, "\n".join(md).encode())
    return path


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _html_head(page: _Page) -> list[str]:
    title = html.escape(page.run.experiment)
    h = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>catdyn report: {title}</title><style>{_STYLE}</style></head><body>",
        f"<h1>catdyn report: {title}</h1>",
        "<table>",
    ]
    h += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in page.header if v]
    h.append("</table>")
    if page.experiment.get("description"):
        h.append(f"<p>{html.escape(page.experiment['description'])}</p>")
    return h


def _html_section(s: dict[str, Any], plots: dict[tuple[str, str], tuple[str, bytes]]) -> list[str]:
    """One arrow's part of ``report.html``."""
    h = [
        f"<h2>{html.escape(s['step'])} <small>({html.escape(s['op'] or '')})</small>: "
        f'<span class="{html.escape(s["outcome"])}">{html.escape(s["outcome"])}</span></h2>'
    ]
    if s["error"]:
        h.append(f'<p class="failed">{html.escape(s["error"])}</p>')
    if s["metrics"]:
        h.append(_html_table([{"metric": n, "value": v} for n, v in s["metrics"]]))
    for law in s["laws"]:
        h.append(f"<p>law <b>{html.escape(law['law'])}</b>: {html.escape(_law_line(law))}</p>")
    for name, rows in s["tables"]:
        h += [f"<h3>{html.escape(name)}</h3>", _html_table(rows)]
    for name, _ in s["series"] + s["heatmaps"] + s["figures"]:
        h.append(_img(plots[(s["step"], name)][1], name))
    return h


def _write_html(folder: str, page: _Page) -> str:
    """``report.html``: self-contained; the diagram inline as SVG, every plot a data: PNG."""
    h = _html_head(page)
    if page.diagram:
        h += ["<h2>Diagram</h2>", f'<div class="diagram">{page.diagram}</div>']
    h += ["<h2>Claims</h2>", _html_table(page.claim_rows) if page.claim_rows else "<p>No claims were measured.</p>"]
    if page.info["failures"]:
        h += ["<h2>Failures</h2>", _html_table(page.info["failures"])]
    h += ["<h2>Tasks</h2>", _html_table(page.task_rows)]
    for s in page.info["sections"]:
        h += _html_section(s, page.plots)
    h.append("</body></html>")
    path = os.path.join(folder, "report.html")
    write_atomic(path, "\n".join(h).encode())
    return path


def _write_into(store: Store, run_id: str | None = None, out_dir: str | None = None) -> dict[str, str]:
    """Write the report files of a run into the folder ``out_dir``; returns their paths."""
    run = store.resolve_run(run_id or "latest")
    folder = out_dir or os.path.join(store.root, "reports", run.id)
    page = _page(store, run.id, folder)
    claims = _write_claims(folder, page)
    return {"markdown": _write_markdown(folder, page), "html": _write_html(folder, page), "claims": claims}


def _json_num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
