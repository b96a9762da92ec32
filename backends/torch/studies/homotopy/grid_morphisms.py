"""Morphisms of the homotopy grid (architectures × data sets, :mod:`.grid`): a cell's row from
the cell's accuracy table, its classes under the chosen and the sublevel criterion and its
robust spread verdicts; the grid as one table; the claims read off that table, one per cell
and one for the grid.

>>> GridCell(architecture="GRU", dataset="digits").dom.name
'Table × Partition × Partition × Claims'
>>> GridTable.variadic, GridTable().cod.name, GridClaims().dom.name
(True, 'Table', 'Table')
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from catdyn.morphisms import BackendMorphism
from catdyn.values import Claims, Partition, Table

_SHOWN = ("architecture", "data set", "nets", "train acc", "test acc", "classes", "sublevel classes",
          "not converged", "within", "between", "verdict")


class GridCell(BackendMorphism):
    """One cell of the grid, the row of ``architecture`` on ``dataset``: its networks' train
    and test accuracy (mean, min, max; the ``Table`` of
    :class:`~catdyn.backends.torch.training.morphisms.Evaluate`), the classes of the chosen
    criterion's ``Partition`` and of the sublevel one's (with the members it leaves out: not
    converged), and the spreads with their intervals and verdicts as
    :class:`~.claim_morphisms.RobustVerdicts` kept them (``Claims``)."""

    inputs, output = (Table, Partition, Partition, Claims), Table
    architecture: str = Field(min_length=1)
    dataset: str = Field(min_length=1)

    def run(self, ctx: Any, acc: Table, chosen: Partition, sublevel: Partition, verdicts: Claims) -> Table:
        from catdyn.backends.torch.studies.homotopy.grid import cell_row

        row = cell_row(self.architecture, self.dataset, acc.rows, (chosen.labels, chosen.criterion, chosen.level),
                       (sublevel.labels, sublevel.criterion, sublevel.level), verdicts.claims)
        ctx.metric("classes", row["classes"])
        ctx.metric("sublevel classes", row["sublevel classes"])
        return Table([row])


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A row as the report shows it (accuracies and spreads in percent, with ranges)."""
    def pct(v: float) -> str:
        return f"{100 * v:.1f}"

    out = {k: row[k] for k in ("architecture", "data set", "nets", "classes", "sublevel classes", "not converged")}
    out["train acc"] = f"{pct(row['train acc'])} % ({pct(row['train acc min'])}–{pct(row['train acc max'])})"
    out["test acc"] = f"{pct(row['test acc'])} % ({pct(row['test acc min'])}–{pct(row['test acc max'])})"
    for key in ("within", "between"):
        out[key] = (f"{100 * row[f'{key} spread']:.2f} % [{100 * row[f'{key} low']:.2f}, "
                    f"{100 * row[f'{key} high']:.2f}]: {row[f'{key} verdict']}")
    out["verdict"] = row["verdict"]
    return {k: out[k] for k in _SHOWN}


class GridTable(BackendMorphism):
    """The grid: the rows of every cell (one ``Table`` each, in the order wired) as one table,
    shown in the report with accuracies and spreads in percent."""

    inputs, output = (Table,), Table
    variadic = True

    def run(self, ctx: Any, *cells: Table) -> Table:
        rows = [dict(r) for cell in cells for r in cell.rows]
        ctx.table("the homotopy claim per architecture × data set", [_shown(r) for r in rows])
        return Table(rows)


class GridClaims(BackendMorphism):
    """The claim that homotopic runs generalise alike, read off the grid: one claim per cell
    (the within-class spread with its interval as the figure, the verdict joining both halves)
    and one for the whole grid (:func:`~.grid.joined_verdict` over the cells)."""

    inputs, output = (Table,), Claims

    def run(self, ctx: Any, grid: Table) -> Claims:
        from catdyn.backends.torch.studies.homotopy.claims import PAPER
        from catdyn.backends.torch.studies.homotopy.grid import cell_figure, joined_verdict

        paper = f"within {PAPER['within'][0]}, between {PAPER['between'][0]}"
        for r in grid.rows:
            ctx.claim(f"homotopic runs generalise alike: {r['architecture']} on {r['data set']}", paper=paper,
                      measured=r["within spread"], interval=(r["within low"], r["within high"]), verdict=r["verdict"],
                      figure=cell_figure(r),
                      detail=(f"within: {r['within verdict']}, between: {r['between verdict']} (each kept only where "
                              f"every criterion × c of the sensitivity table agrees); classes: {r['criterion']}: "
                              f"{r['classes']}, {r['sublevel criterion']}: {r['sublevel classes']} "
                              f"({r['not converged']} not converged); {r['nets']} nets ({r['failed']} failed), "
                              f"train acc {100 * r['train acc']:.1f} %, test acc {100 * r['test acc']:.1f} % "
                              f"({100 * r['test acc min']:.1f}–{100 * r['test acc max']:.1f})"))
        verdicts = [str(r["verdict"]) for r in grid.rows]
        counts = {v: verdicts.count(v) for v in dict.fromkeys(verdicts)}
        ctx.claim(f"homotopic runs generalise alike, over {len(verdicts)} architectures × data sets", paper=paper,
                  measured=float(counts.get("reproduced", 0)), verdict=joined_verdict(verdicts).value,
                  figure=", ".join(f"{n} {v}" for v, n in counts.items()) + f" of {len(verdicts)} cells",
                  detail="reproduced only where every cell reproduces both halves; a cell that robustly fails "
                         "either half is a counterexample; measured = the cells reproduced")
        return Claims([r[3] for r in ctx.records if r[0] == "claim"])
