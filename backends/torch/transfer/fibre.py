"""Transfer as a fibre product over Rep: target parameters whose representation is the source's.

The cospan is ``Param_S --F_S--> Rep <--F_T-- Param_T``, the two legs the realisation functor's
element maps ``θ ↦ features(θ, probe, layer)`` on *shared* probe data (see
:class:`~catdyn.backends.torch.functors.realisation.Realisation`). Its pullback is the set of pairs
``(θ_S, θ_T)`` with ``F_S(θ_S) = F_T(θ_T)``; with the source fixed at its trained ``θ_S*``
(the left leg precomposed with the global element ``θ_S*: 1 → Param_S``) the apex is the fibre
``{θ_T : F_T(θ_T) = F_S(θ_S*)}``.

Nobody can enumerate that set, so catdyn *solves* for its points: :class:`ConstraintSolver`
minimises an objective subject to the constraint ``c(θ) = F_T(θ_T) − F_S(θ_S) = 0`` by

- the **penalty** method: ``min f(θ) + μ/2 ‖c(θ)‖²`` (a point off the fibre for every finite μ;
  the residual falls like ``1/μ``), or
- the **augmented Lagrangian**: ``min f(θ) + ⟨λ, c(θ)⟩ + μ/2 ‖c(θ)‖²``, then ``λ ← λ + μ c``,
  repeated (reaches the fibre at a fixed μ).

The residual ``‖F_T(θ_T) − F_S(θ_S)‖`` of every point found is reported: it is the *distance
from a true pullback*. :func:`fibre_product` assembles the DSL objects — the cospan, the apex
(a :class:`~catdyn.backends.torch.transfer.category.Space` whose witnesses are solved points)
and a :class:`~catdyn.limits.Pullback` whose mediating morphism sends a cone's point
``(p(x), q(x))`` to its projection onto the apex (the point itself when it already lies in the
fibre within the category's tolerance, else the solver with objective ``½‖θ − θ₀‖²``);
:func:`fibre_laws` states the universal property as laws that hold only within the category's
tolerance and can be refuted.

The linear toy, where everything is known in closed form (the pullback of ``F: A → C ← B :G``
is ``ker [F, −G]``, and projecting onto it is ``I − M⁺M``):

>>> import torch
>>> from catdyn.backends.torch.transfer.category import SampledCategory
>>> from catdyn.limits import Cospan
>>> Lin = SampledCategory(atol=1e-6, name="Lin")
>>> F = torch.tensor([[1.0, 1.0]], dtype=torch.float64)
>>> G = torch.tensor([[2.0]], dtype=torch.float64)
>>> A, B = Lin.space("A"), Lin.space("B")
>>> C = Lin.space("C")
>>> f, g = Lin.map("F", A, C, lambda a: F @ a), Lin.map("G", B, C, lambda b: G @ b)
>>> start = (torch.tensor([1.0, 0.0], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64))
>>> fp = fibre_product(Cospan(f, g), [start], ConstraintSolver("augmented_lagrangian", penalty=10.0,
...                    optimiser="lbfgs", rounds=8, steps=50))
>>> a, b = fp.points[0]
>>> [round(v, 4) for v in a.tolist() + b.tolist()]   # the projection of (1, 0, 0) onto a + b = 2c
[0.8333, -0.1667, 0.3333]
>>> fp.residual(fp.points[0]) < 1e-6
True
>>> from catdyn.checker.law import check_laws
>>> [(r.law, r.status) for r in check_laws(fibre_laws(fp))]  # doctest: +NORMALIZE_WHITESPACE
[('square commutes within tolerance', 'held'), ('every cone factors within tolerance', 'held'),
 ('projections are jointly monic', 'proved')]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor

from catdyn.backends.torch.transfer.category import (
    Map,
    SampledCategory,
    flatten_point,
    point_distance,
    point_norm,
)
from catdyn.category import Comparison
from catdyn.checker.law import Law
from catdyn.errors import ConeError
from catdyn.limits import Cone, Cospan, Pullback

Point = Any
"""A point of a parameter space: a tensor, a dict of tensors, or ``()`` (the terminal object)."""


# --- variables: points as dicts of leaf tensors ---------------------------------------------
def _leaves(side: str, value: Point) -> dict[str, Tensor]:
    if isinstance(value, Tensor):
        return {side: value}
    if isinstance(value, Mapping):
        return {f"{side}/{k}": v for k, v in value.items()}
    if isinstance(value, tuple) and not value:
        return {}
    raise ConeError(
        f"a point of type {type(value).__name__} cannot be solved for",
        "Points of a parameter space are tensors or dicts of tensors (or () on the terminal object)",
    )


def _rebuild(side: str, like: Point, leaves: Mapping[str, Tensor]) -> Point:
    if isinstance(like, Tensor):
        return leaves[side]
    if isinstance(like, Mapping):
        return {k: leaves[f"{side}/{k}"] for k in like}
    return ()


# --- the solver --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SolveRecord:
    """One outer round of a constrained solve: the objective and the residual ``‖c(θ)‖`` at its end.

    >>> SolveRecord(0, 1.0, 0.5).residual
    0.5
    """

    round: int
    objective: float
    residual: float


@dataclass(frozen=True)
class ConstrainedSolution:
    """The point found, its residual ``‖c(θ)‖``, its objective, the per-round history, the final
    multipliers (augmented Lagrangian; zeros for the penalty method) and the time taken.

    >>> ConstrainedSolution({}, 0.0, 0.0, (), None, 0.0).residual
    0.0
    """

    params: dict[str, Tensor]
    residual: float
    objective: float
    history: tuple[SolveRecord, ...]
    multipliers: Tensor | None
    seconds: float


@dataclass(frozen=True)
class ConstraintSolver:
    """Minimise ``objective(θ)`` subject to ``constraint(θ) = 0`` over the ``trainable`` entries
    of a parameter dict.

    ``method``: ``"penalty"`` (``μ`` fixed, multipliers never updated) or
    ``"augmented_lagrangian"`` (multipliers updated after every round). Both run ``rounds``
    outer rounds of ``steps`` inner optimiser steps, so they get the same budget. ``optimiser``:
    ``"adam"`` (learning rate ``lr``; networks) or ``"lbfgs"`` (strong-Wolfe line search;
    small smooth problems, where it converges to the exact inner minimiser).

    >>> s = ConstraintSolver("penalty", penalty=100.0, optimiser="lbfgs", rounds=1, steps=100)
    >>> x0 = torch.tensor([3.0, 1.0], dtype=torch.float64)
    >>> sol = s.solve({"x": x0}, ["x"], lambda p: 0.5 * ((p["x"] - x0) ** 2).sum(),
    ...               lambda p: p["x"][:1] - p["x"][1:])      # project onto x0 = x1
    >>> [round(v, 3) for v in sol.params["x"].tolist()], round(sol.residual, 4)
    ([2.005, 1.995], 0.01)
    """

    method: Literal["penalty", "augmented_lagrangian"] = "augmented_lagrangian"
    penalty: float = 10.0
    rounds: int = 5
    steps: int = 100
    optimiser: Literal["adam", "lbfgs"] = "adam"
    lr: float = 1e-2

    def __post_init__(self) -> None:
        if self.method not in ("penalty", "augmented_lagrangian"):
            raise ConeError(
                f"unknown fibre-product method {self.method!r}", "Use 'penalty' or 'augmented_lagrangian'"
            )
        if self.optimiser not in ("adam", "lbfgs"):
            raise ConeError(f"unknown optimiser {self.optimiser!r}", "Use 'adam' or 'lbfgs'")
        if not (self.penalty > 0 and self.rounds >= 1 and self.steps >= 1 and self.lr > 0):
            raise ConeError(
                f"solver settings penalty={self.penalty}, rounds={self.rounds}, steps={self.steps}, "
                f"lr={self.lr} are invalid",
                "The penalty and learning rate are positive; rounds and steps at least 1",
            )

    def solve(
        self,
        params: Mapping[str, Tensor],
        trainable: Iterable[str],
        objective: Callable[[Mapping[str, Tensor]], Tensor],
        constraint: Callable[[Mapping[str, Tensor]], Tensor],
    ) -> ConstrainedSolution:
        """Run the solver from ``params`` (left untouched); see the class docstring."""
        t0 = time.perf_counter()
        names = list(trainable)
        current = {k: v.detach().clone() for k, v in params.items()}
        leaves = [current[k].requires_grad_(True) for k in names]
        with torch.no_grad():
            c0 = constraint(current)
        lam = torch.zeros_like(c0)
        mu = float(self.penalty)

        def lagrangian() -> Tensor:
            c = constraint(current)
            return objective(current) + (lam * c).sum() + 0.5 * mu * (c * c).sum()

        history: list[SolveRecord] = []
        opt: torch.optim.Optimizer
        if self.optimiser == "adam":
            opt = torch.optim.Adam(leaves, lr=self.lr)
        for r in range(self.rounds):
            if not leaves:
                break
            if self.optimiser == "lbfgs":
                opt = torch.optim.LBFGS(
                    leaves,
                    lr=1.0,
                    max_iter=self.steps,
                    history_size=50,
                    tolerance_grad=1e-12,
                    tolerance_change=1e-15,
                    line_search_fn="strong_wolfe",
                )

                def closure(opt: torch.optim.Optimizer = opt) -> Tensor:
                    opt.zero_grad()
                    loss = lagrangian()
                    loss.backward()
                    return loss

                opt.step(closure)  # type: ignore[arg-type]
            else:
                for _ in range(self.steps):
                    opt.zero_grad()
                    lagrangian().backward()
                    opt.step()
            with torch.no_grad():
                c = constraint(current)
                if self.method == "augmented_lagrangian":
                    lam = lam + mu * c
                history.append(SolveRecord(r, float(objective(current)), float(c.norm())))
        with torch.no_grad():
            c = constraint(current)
            obj = float(objective(current))
        out = {k: v.detach() for k, v in current.items()}
        return ConstrainedSolution(
            out,
            float(c.norm()),
            obj,
            tuple(history),
            lam if self.method == "augmented_lagrangian" else None,
            time.perf_counter() - t0,
        )


def projection_objective(
    start: Mapping[str, Tensor], names: Sequence[str]
) -> Callable[[Mapping[str, Tensor]], Tensor]:
    """``θ ↦ ½‖θ − θ₀‖²`` over ``names``: with it the solver projects ``θ₀`` onto the fibre.

    >>> f = projection_objective({"x": torch.zeros(2)}, ["x"])
    >>> float(f({"x": torch.tensor([3.0, 4.0])}))
    12.5
    """
    anchors = {k: start[k].detach().clone() for k in names}

    def objective(p: Mapping[str, Tensor]) -> Tensor:
        total = torch.zeros((), dtype=next(iter(anchors.values())).dtype) if anchors else torch.zeros(())
        for k, a in anchors.items():
            total = total + 0.5 * ((p[k] - a) ** 2).sum()
        return total

    return objective


# --- the fibre product as a DSL pullback -------------------------------------------------------
@dataclass
class FibreProduct:
    """The approximate pullback of a cospan ``F: A → C ← B :G`` of sampled maps.

    ``pullback`` is the DSL :class:`~catdyn.limits.Pullback` (apex witnesses = the solved pairs,
    projections = the two coordinates, mediating morphism = projection onto the fibre);
    ``solutions`` the :class:`ConstrainedSolution` of each witness; :meth:`project` solves for a
    new point; :meth:`residual` is ``‖G(b) − F(a)‖``, the distance from a true pullback.
    """

    cospan: Cospan
    solver: ConstraintSolver
    pullback: Pullback = field(init=False)
    solutions: list[ConstrainedSolution] = field(default_factory=list)

    @property
    def points(self) -> tuple[Point, ...]:
        """The apex witnesses: solved pairs ``(a, b)``."""
        return self.pullback.apex.points  # type: ignore[attr-defined,no-any-return]

    @property
    def category(self) -> SampledCategory:
        return self.cospan.category  # type: ignore[return-value]

    def constraint(self, pair_like: tuple[Point, Point]) -> Callable[[Mapping[str, Tensor]], Tensor]:
        """``c(θ) = G(b) − F(a)`` (flattened) as a function of the leaf dict of a pair."""
        a0, b0 = pair_like
        f, g = self.cospan.left, self.cospan.right

        def c(leaves: Mapping[str, Tensor]) -> Tensor:
            a, b = _rebuild("left", a0, leaves), _rebuild("right", b0, leaves)
            return (g(b) - f(a)).reshape(-1)

        return c

    def solve(
        self,
        start: tuple[Point, Point],
        objective: Callable[[Point, Point], Tensor] | None = None,
        fixed: Sequence[str] = (),
    ) -> tuple[tuple[Point, Point], ConstrainedSolution]:
        """A point of the fibre from ``start``: minimise ``objective(a, b)`` (default: the
        squared distance to ``start``) subject to ``G(b) = F(a)``. Sides named in ``fixed``
        (``"left"``, ``"right"``) do not move; ``()`` (a point of ``1``) never does."""
        a0, b0 = start
        leaves = {**_leaves("left", a0), **_leaves("right", b0)}
        free = [k for k in leaves if k.split("/")[0] not in fixed]
        if objective is None:
            obj = projection_objective(leaves, free)
        else:

            def obj(p: Mapping[str, Tensor]) -> Tensor:
                return objective(_rebuild("left", a0, p), _rebuild("right", b0, p))

        sol = self.solver.solve(leaves, free, obj, self.constraint(start))
        pair = (_rebuild("left", a0, sol.params), _rebuild("right", b0, sol.params))
        return pair, sol

    def on_fibre(self, pair: tuple[Point, Point]) -> bool:
        """Whether ``pair`` lies in the apex as the category defines it: ``F(a) ≈ G(b)`` within
        its tolerance (``atol + rtol·‖G(b)‖``, the square law's comparison)."""
        return within(self.category)(self.cospan.left(pair[0]), self.cospan.right(pair[1])).equal

    def project(self, pair: tuple[Point, Point]) -> tuple[Point, Point]:
        """The projection onto the apex, the mediating morphism's map: ``pair`` itself when it
        already lies in it (:meth:`on_fibre`), else the solver's nearest point. Idempotent
        whenever a solve ends in the apex (``project(project(z)) = project(z)``); where a solve
        ends outside it, a second projection moves the point again, and the law "every cone
        factors" says so."""
        return pair if self.on_fibre(pair) else self.resolve(pair)

    def resolve(self, pair: tuple[Point, Point]) -> tuple[Point, Point]:
        """The solver's nearest point of the *exact* fibre to ``pair`` (projection objective),
        solved again even when ``pair`` already lies in the apex: not idempotent on a
        numerical solver (it keeps chasing a residual the category tolerates), which is what
        :func:`factorisation_diagnostics` measures."""
        return self.solve(pair)[0]

    def residual(self, pair: tuple[Point, Point]) -> float:
        """``‖G(b) − F(a)‖``: how far ``pair`` is from lying in the true pullback."""
        return point_distance(self.cospan.right(pair[1]), self.cospan.left(pair[0]))

    def relative_residual(self, pair: tuple[Point, Point]) -> float:
        """The residual divided by ``‖F(a)‖`` (``inf`` when that is zero and the residual is not)."""
        r, n = self.residual(pair), point_norm(self.cospan.left(pair[0]))
        return r / n if n > 0 else (0.0 if r == 0 else math.inf)


def fibre_product(
    cospan: Cospan,
    starts: Iterable[tuple[Point, Point]],
    solver: ConstraintSolver | None = None,
    objective: Callable[[Point, Point], Tensor] | None = None,
    fixed: Sequence[str] = (),
    name: str | None = None,
) -> FibreProduct:
    """Solve for one apex witness from each start and assemble the DSL pullback.

    ``objective`` picks *which* point of the fibre each start goes to (default: the nearest,
    a projection; transfer uses the target task's loss). The mediating morphism of a cone
    projects (:meth:`FibreProduct.project`: the identity on points already in the apex). See
    the module docstring for an example.
    """
    left, right = cospan.left, cospan.right
    cat = cospan.category
    if not isinstance(cat, SampledCategory):
        raise ConeError(
            f"the fibre product is solved in a sampled category, not in {cat.name}",
            "Build the cospan's legs with SampledCategory.map, or use the category's own pullback",
        )
    fp = FibreProduct(cospan, solver or ConstraintSolver())
    points = []
    for start in starts:
        pair, sol = fp.solve(start, objective, fixed)
        points.append(pair)
        fp.solutions.append(sol)
    A, B = left.dom, right.dom
    apex = cat.space(name or f"{A.name} ×_{left.cod.name} {B.name}", points)
    p = cat.map(f"π_{A.name}", apex, A, _first)
    q = cat.map(f"π_{B.name}", apex, B, _second)

    def mediate(cone: Cone) -> Map:
        cl, cr = cone.left, cone.right
        return cat.map(
            f"⟨{cl.name}, {cr.name}⟩",
            cone.apex,
            apex,
            lambda x: fp.project((cl(x), cr(x))),  # type: ignore[arg-type,operator]
        )

    fp.pullback = Pullback(Cone(cospan, p, q), mediate)
    return fp


def _first(z: tuple[Point, Point]) -> Point:
    return z[0]


def _second(z: tuple[Point, Point]) -> Point:
    return z[1]


# --- laws --------------------------------------------------------------------------------------
def within(cat: SampledCategory) -> Callable[[Any, Any], Comparison]:
    """A comparison of two points with ``cat``'s tolerance (``atol + rtol·‖rhs‖``), the residual
    being their distance.

    >>> from catdyn.backends.torch.transfer.category import SampledCategory
    >>> within(SampledCategory(atol=0.1))(torch.zeros(2), torch.full((2,), 0.05)).equal
    True
    """

    def compare(lhs: Any, rhs: Any) -> Comparison:
        d = point_distance(lhs, rhs)
        return Comparison(d <= cat.atol + cat.rtol * point_norm(rhs), d, exact=False)

    compare.__name__ = f"within(atol={cat.atol:g}, rtol={cat.rtol:g})"
    return compare


def _exact_pairs(lhs: Any, rhs: Any) -> Comparison:
    same = lhs[0] is rhs[0] and lhs[1] is rhs[1]
    if not same:
        d = point_distance(lhs, rhs)
        same = d == 0.0
    return Comparison(same, 0.0 if same else 1.0, exact=True)



def cone_factor_law(
    pb: Pullback,
    cones: Iterable[Cone],
    compare: Callable[[Any, Any], Comparison],
    subject: str,
    statement: str,
) -> Law:
    """The law "every cone factors within tolerance" of a sampled pullback: for each cone
    (default: the pullback's own) and each of its apex's sample points ``x``, the mediating
    ``u = pb.factor(cone)`` satisfies ``π(u(x)) ≈ cone.left(x)`` and ``π'(u(x)) ≈ cone.right(x)``.
    Shared by the fibre product and the pullback along a domain map. A pair of legs that
    does not commute has no factorisation (``factor`` refuses it): the law is refuted there,
    with an infinite residual."""
    use = list(cones) or [pb.cone]

    def decide(lhs: Any, rhs: Any) -> Comparison:
        return Comparison(False, math.inf, exact=False) if lhs is None else compare(lhs, rhs)

    decide.__name__ = getattr(compare, "__name__", "compare")

    def cases() -> list[tuple[Any, ...]]:
        out = []
        for cone in use:
            try:
                u = pb.factor(cone)
            except ConeError:  # a pair of legs that does not commute has no factorisation
                u = None
            out += [(cone, u, x) for x in cone.apex.points]  # type: ignore[attr-defined]
        return out

    return Law(
        "every cone factors within tolerance",
        "pullback",
        lambda cone, u, x: None if u is None else (pb.left(u(x)), pb.right(u(x))),  # type: ignore[operator]
        lambda cone, u, x: (cone.left(x), cone.right(x)),
        enumerate=cases,
        compare=decide,
        argnames=("cone", "u", "x"),
        statement=statement,
        subject=subject,
    )


def fibre_laws(fp: FibreProduct, cones: Sequence[Cone] = (), subject: str = "") -> list[Law]:
    """The universal property of an approximate pullback, as laws (within the category's
    tolerance, so ``held`` with the largest residual, or ``refuted``):

    - *square commutes within tolerance*: ``F(π_A z) ≈ G(π_B z)`` for every apex witness ``z``;
    - *every cone factors within tolerance*: for each cone (default: the apex's own, restricted
      to its witnesses) and each witness ``x`` of its apex, ``u = factor(cone)`` lands in the
      apex (``F(π_A u x) ≈ G(π_B u x)``) and has ``(π_A u(x), π_B u(x)) ≈ (p(x), q(x))``. The
      apex is the fibre *as the category defines it* (within its tolerance) and the mediating
      morphism is :meth:`FibreProduct.project`, the identity there, so the law tests the
      construction — a mediating morphism that moves commuting points (as the exact re-solve
      :meth:`FibreProduct.resolve` does on a ReLU network), a solve that ends outside the apex,
      or legs that do not commute refute it — not the solver's idempotence;
    - *projections are jointly monic*: ``⟨π_A, π_B⟩`` is the identity on the apex (the apex is a
      subset of ``A × B``, so a factorisation is unique) — exact.
    """
    pb, cat = fp.pullback, fp.category
    subject = subject or f"fibre product {pb.apex.name}"
    f, g = fp.cospan.left, fp.cospan.right
    close = within(cat)
    apex_points = list(pb.apex.points)  # type: ignore[attr-defined]
    commutes = Law(
        "square commutes within tolerance",
        "pullback",
        lambda z: f(z[0]),
        lambda z: g(z[1]),
        enumerate=lambda: [(z,) for z in apex_points],
        compare=close,
        argnames=("z",),
        statement=f"{f.name}(π z) = {g.name}(π' z) within atol={cat.atol:g}, rtol={cat.rtol:g}",
        subject=subject,
    )

    def lands_and_commutes(lhs: Any, rhs: Any) -> Comparison:
        c = close(lhs, rhs)
        return Comparison(c.equal and fp.on_fibre(lhs), c.residual, exact=False)

    lands_and_commutes.__name__ = f"in the apex and {close.__name__}"
    factors = cone_factor_law(
        pb,
        cones,
        lands_and_commutes,
        subject,
        f"u = factor(cone) lands in the apex ({f.name}(π u x) = {g.name}(π' u x) within atol={cat.atol:g}) and "
        "u >> π = cone.left, u >> π' = cone.right within the same tolerance (residual: the parameter distance)",
    )
    monic = Law(
        "projections are jointly monic",
        "pullback",
        lambda z: (pb.left(z), pb.right(z)),  # type: ignore[operator]
        lambda z: z,
        enumerate=lambda: [(z,) for z in apex_points],
        compare=_exact_pairs,
        argnames=("z",),
        statement="⟨π, π'⟩ = id on the apex: a factorisation through it is unique",
        subject=subject,
    )
    return [commutes, factors, monic]


def flat_residual(a: Point, b: Point) -> float:
    """``‖a − b‖`` over every number (a convenience for reports).

    >>> flat_residual(torch.ones(2), torch.zeros(2))
    1.4142135623730951
    """
    d = flatten_point(a) - flatten_point(b)
    return float((d**2).sum() ** 0.5)


def factorisation_diagnostics(fp: FibreProduct) -> list[dict[str, float]]:
    """What re-solving for the exact fibre (:meth:`FibreProduct.resolve`) does to each apex
    witness ``z``: its residual, how far the re-solve moves it (parameter distance), the
    residual after, and how much of the residual sits in *stuck* coordinates — where the right leg's value is exactly 0 (a ReLU
    feature switched off, so no local move changes it) and the left leg's is not. When the
    stuck part is most of the residual, no local solver can reach the exact fibre from ``z``:
    the numerical projector is not idempotent there, which is why the mediating morphism
    (:meth:`FibreProduct.project`) fixes points already in the apex instead of re-solving.

    >>> import torch
    >>> from catdyn.backends.torch.transfer.category import SampledCategory
    >>> from catdyn.limits import Cospan
    >>> cat = SampledCategory(atol=1e-3)
    >>> one, B, C = cat.one, cat.space("B"), cat.space("C")
    >>> f = cat.map("F", one, C, lambda _: torch.tensor([1.0, 2.0], dtype=torch.float64))
    >>> g = cat.map("G", B, C, lambda b: torch.relu(b))
    >>> fp = fibre_product(Cospan(f, g), [((), torch.tensor([0.5, -1.0], dtype=torch.float64))],
    ...                    ConstraintSolver("augmented_lagrangian", optimiser="lbfgs", rounds=3, steps=50),
    ...                    fixed=("left",))
    >>> d = factorisation_diagnostics(fp)[0]
    >>> round(d["residual"], 3), round(d["stuck_residual"], 3)   # relu(-1) = 0 can never reach 2
    (2.0, 2.0)
    """
    out = []
    f, g = fp.cospan.left, fp.cospan.right
    for z in fp.points:
        u = fp.resolve(z)
        left, right = flatten_point(f(z[0])), flatten_point(g(z[1]))
        diff = right - left
        stuck = (right == 0) & (left != 0)
        out.append(
            {
                "residual": fp.residual(z),
                "parameter_norm": point_norm(z),
                "moved_by_projection": point_distance(u, z),
                "residual_after_projection": fp.residual(u),
                "stuck_residual": float((diff[stuck] ** 2).sum() ** 0.5),
                "stuck_entries": float(stuck.sum()),
                "entries": float(diff.size),
            }
        )
    return out
