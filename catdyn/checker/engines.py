"""The engines that decide a law, tried in order: exhaustive, symbolic, hypothesis.

- **exhaustive**: the law's ``enumerate()`` gives every argument tuple (smallest first);
  all agree exactly → ``proved`` (with a tolerance → ``held``); the first that disagrees →
  ``refuted``. An enumeration longer than ``CheckConfig.max_cases`` gives way to the next
  engine (a disagreement met on the way still refutes).
- **symbolic**: the sides at the law's ``symbolic()`` arguments are evaluated under
  :func:`~catdyn.checker.trace.tracing`, brought to sympy, and every entry of ``lhs − rhs``
  is simplified. All zero → ``proved`` *only if* the evaluation used ring operations alone
  (no branch on a symbolic value, no division by one, no function applied to one) and both
  sides are polynomials in the generic symbols; otherwise the pass is no proof and the next
  engine samples (the reason is kept in the result's ``notes``). A non-zero entry with a
  rational witness → the law is evaluated again at *concrete* arguments built from the
  witness, and ``refuted`` there (a branch can make the symbolic and the concrete values
  differ, so only a concrete failure refutes); undecided → the next engine.
- **hypothesis**: the law's ``boundary()`` cases first, then ``hypothesis.find`` looks for a
  failing argument tuple among ``examples`` drawn from the law's strategy and shrinks it →
  ``refuted``; none → ``held`` with the number of examples and the largest residual.

An exception while evaluating a law gives ``error`` with the arguments it was raised at. A law
still running after ``CheckConfig.timeout`` seconds is stopped (:mod:`~catdyn.checker.timeout`)
and gives ``error`` with the time. Every evaluated argument tuple is summarised into the
result's ``drawn`` (:mod:`~catdyn.checker.sampling`).

>>> from catdyn.checker.law import Law, CheckConfig
>>> law = Law("x = x", "numeric", lambda x: x, lambda x: x, enumerate=lambda: [(1,), (2,)])
>>> run_engines(law, CheckConfig()).status
'proved'
>>> only_sampling = CheckConfig(engines=("hypothesis",))
>>> run_engines(law, only_sampling).status  # no strategy: nothing could decide it
'error'
"""

from __future__ import annotations

import itertools
import random
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from catdyn.checker.law import CheckConfig, Counterexample, ErrorInfo, Law, LawResult
from catdyn.checker.sampling import Bounds, record, sampling
from catdyn.checker.show import describe, describe_argument
from catdyn.checker.timeout import LawTimeout, within


@dataclass
class _Tally:
    examples: int = 0
    residual: float = 0.0
    exact: bool = True

    def add(self, residual: float, exact: bool) -> None:
        self.examples += 1
        self.residual = max(self.residual, residual)
        self.exact = self.exact and exact


def _named(law: Law, args: tuple[Any, ...]) -> tuple[tuple[str, str], ...]:
    names = list(law.argnames) + [f"arg{i}" for i in range(len(law.argnames), len(args))]
    return tuple((n, describe_argument(n, a)) for n, a in zip(names, args))


def _detail(lhs: Any, rhs: Any) -> str:
    """Where two morphisms of finite sets (or two arrays) differ, briefly."""
    lt, rt = getattr(lhs, "table", None), getattr(rhs, "table", None)
    if lt is not None and rt is not None and len(lt) == len(rt) and hasattr(lhs.dom, "elements"):
        els, cod = lhs.dom.elements, lhs.cod.elements
        diff = [i for i in range(len(lt)) if lt[i] != rt[i]]
        if diff:
            shown = ", ".join(f"{els[i]!s}: {cod[int(lt[i])]!s} ≠ {cod[int(rt[i])]!s}" for i in diff[:6])
            return f"differ at {len(diff)} element(s): {shown}"
    return ""


def _result(law: Law, **kw: Any) -> LawResult:
    return LawResult(
        law=law.name, suite=law.suite, subject=law.subject, statement=law.statement, where=law.where, **kw
    )


def _error(law: Law, exc: BaseException, args: tuple[Any, ...] | None, engine: str) -> LawResult:
    info = ErrorInfo(
        type=type(exc).__name__,
        message=str(exc),
        arguments=_named(law, args) if args is not None else (),
        traceback="".join(traceback.format_exception(exc)),
    )
    return _result(law, status="error", engine=engine, error=info)  # type: ignore[arg-type]


def _refuted(
    law: Law,
    args: tuple[Any, ...],
    lhs: Any,
    rhs: Any,
    residual: float,
    engine: str,
    tally: _Tally,
    exact: bool,
    detail: str = "",
) -> LawResult:
    cx = Counterexample(
        _named(law, args), describe(lhs), describe(rhs), residual, detail or _detail(lhs, rhs)
    )
    return _result(
        law,
        status="refuted",
        engine=engine,
        comparison="exact" if exact else "tolerance",  # type: ignore[arg-type]
        examples=tally.examples,
        residual=residual,
        counterexample=cx,
    )


# --- exhaustive -----------------------------------------------------------------------------
def exhaustive(law: Law, config: CheckConfig, notes: list[str]) -> LawResult | None:
    """Evaluate the law at every enumerated argument tuple; ``None`` if it cannot decide."""
    if law.enumerate is None:
        return None
    try:
        cases = law.enumerate()
    except Exception as exc:
        return _error(law, exc, None, "exhaustive")
    if cases is None:
        return None
    tally = _Tally()
    args: tuple[Any, ...] | None = None
    try:
        for args in itertools.islice(cases, config.max_cases + 1):
            if tally.examples >= config.max_cases:
                notes.append(f"more than {config.max_cases} cases to enumerate: sampled instead")
                return None  # too many to be a proof: let the next engine sample
            record(args)
            lhs, rhs = law.sides(args)
            c = law.compare(lhs, rhs)
            if not c.equal:
                return _refuted(law, args, lhs, rhs, c.residual, "exhaustive", tally, c.exact)
            tally.add(c.residual, c.exact)
    except Exception as exc:
        return _error(law, exc, args, "exhaustive")
    return _result(
        law,
        status="proved" if tally.exact else "held",
        engine="exhaustive",
        comparison="exact" if tally.exact else "tolerance",
        examples=tally.examples,
        residual=tally.residual,
    )


# --- symbolic -------------------------------------------------------------------------------
def symbolic(law: Law, config: CheckConfig, notes: list[str]) -> LawResult | None:
    """Simplify ``lhs − rhs`` at the law's symbolic arguments under tracing; ``None`` if the
    pass decides nothing (see the module docstring)."""
    if law.symbolic is None:
        return None
    tally = _Tally()
    args: tuple[Any, ...] | None = None
    try:
        instances = law.symbolic()
        if instances is None:
            return None
        for args in instances:
            record(args)
            verdict = _symbolic_instance(law, args, tally, notes)
            if verdict is not True:
                return verdict
            tally.add(0.0, True)
    except Exception as exc:
        return _error(law, exc, args, "symbolic")
    if tally.examples == 0:
        return None
    return _result(law, status="proved", engine="symbolic", examples=tally.examples)


def _symbolic_instance(law: Law, args: tuple[Any, ...], tally: _Tally, notes: list[str]) -> LawResult | bool | None:
    """One symbolic instance: ``True`` (proved there), a refutation, or ``None`` (undecided)."""
    from catdyn.checker.symbolic import NotSymbolic, difference, witness
    from catdyn.checker.trace import Branched, polynomial, tracing

    try:
        with tracing() as trace:
            lhs, rhs = law.sides(args)
    except Branched as stop:
        notes.append(f"symbolic pass is no proof: the law {stop} (a branch on a symbolic value); sampled instead")
        return None
    except Exception as exc:  # e.g. bool() of a symbolic comparison: sampling will meet it concretely
        notes.append(f"symbolic pass raised {type(exc).__name__}: {exc}; sampled instead")
        return None
    try:
        nonzero = difference(lhs, rhs, simplify=False)
        found = witness(nonzero) if nonzero else None
        if nonzero and found is None:
            nonzero = difference(lhs, rhs, simplify=True)  # expansion was not enough: simplify
            found = witness(nonzero) if nonzero else None
    except NotSymbolic:
        return None
    if found is not None:
        return _confirmed(law, args, nonzero, found, tally, notes)
    if nonzero:
        notes.append("sympy could not decide lhs − rhs = 0; sampled instead")
        return None
    blockers = list(trace.events)
    if not (polynomial(_sympy_or_none(lhs)) and polynomial(_sympy_or_none(rhs))):
        blockers.append("gives sides that are not polynomials in the symbols")
    if blockers:
        notes.append(f"symbolic pass is no proof: the law {blockers[0]}; sampled instead")
        return None
    return True


def _sympy_or_none(x: Any) -> Any:
    from catdyn.checker.symbolic import NotSymbolic, to_sympy

    try:
        return to_sympy(x)
    except NotSymbolic:
        return None


def _confirmed(
    law: Law, args: tuple[Any, ...], nonzero: list[Any], found: Any, tally: _Tally, notes: list[str]
) -> LawResult | None:
    """A refutation at concrete arguments built from a symbolic witness, or ``None``."""
    from catdyn.checker.symbolic import concrete_instances

    pos, sub, value = found
    at = ", ".join(f"{k} = {v}" for k, v in sub.items()) or "all values"
    diff_shown = "; ".join(f"{p}: {describe(e, 120)}" for p, e in nonzero[:4])
    detail = f"lhs − rhs ≠ 0 at {diff_shown} (e.g. {pos} = {value} at {at})"
    for _values, concrete in concrete_instances(args, sub):
        try:
            lhs, rhs = law.sides(concrete)
            c = law.compare(lhs, rhs)
        except Exception as exc:
            return replace(_error(law, exc, concrete, "symbolic"), examples=tally.examples)
        if not c.equal:
            return _refuted(law, concrete, lhs, rhs, c.residual, "symbolic", tally, c.exact, detail)
    notes.append(f"symbolic witness ({detail}) did not fail at concrete arguments; sampled instead")
    return None


# --- hypothesis -----------------------------------------------------------------------------
def sampled(law: Law, config: CheckConfig, notes: list[str]) -> LawResult | None:
    """The law's boundary cases, then ``config.examples`` drawn argument tuples: the first
    failure is shrunk and reported."""
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    if law.arguments is None:
        return None
    tally = _Tally()
    boundary = _boundary(law, tally)
    if boundary is not None:
        return boundary
    first_kind: list[str] = []  # "refuted" or "error": shrink towards the kind met first

    def failing(args: tuple[Any, ...]) -> bool:
        try:
            record(args)
            lhs, rhs = law.sides(args)
            c = law.compare(lhs, rhs)
        except Exception:
            kind = "error"
        else:
            if c.equal:
                if not first_kind:
                    tally.add(c.residual, c.exact)
                return False
            kind = "refuted"
        if not first_kind:
            first_kind.append(kind)
        return kind == first_kind[0]

    opts = settings(
        max_examples=config.examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    rng = random.Random(config.seed) if config.seed is not None else None
    try:
        args = find(law.arguments, failing, settings=opts, random=rng)
    except NoSuchExample:
        if tally.examples == 0:
            return _result(
                law,
                status="error",
                engine="hypothesis",
                error=ErrorInfo("Unsatisfiable", "hypothesis could not generate any arguments for this law"),
            )
        return _result(
            law,
            status="held",
            engine="hypothesis",
            comparison="exact" if tally.exact else "tolerance",
            examples=tally.examples,
            residual=tally.residual,
        )
    except Unsatisfiable as exc:
        return _error(law, exc, None, "hypothesis")
    except Exception as exc:  # the strategy itself raised
        return _error(law, exc, None, "hypothesis")
    try:
        lhs, rhs = law.sides(args)
        c = law.compare(lhs, rhs)
    except Exception as exc:
        return replace(_error(law, exc, args, "hypothesis"), examples=tally.examples)
    return _refuted(law, args, lhs, rhs, c.residual, "hypothesis", tally, c.exact)


def _boundary(law: Law, tally: _Tally) -> LawResult | None:
    """Evaluate the law's boundary cases; the first failure (or error), else ``None``."""
    if law.boundary is None:
        return None
    args: tuple[Any, ...] | None = None
    try:
        for args in law.boundary():
            record(args)
            lhs, rhs = law.sides(args)
            c = law.compare(lhs, rhs)
            if not c.equal:
                return _refuted(law, args, lhs, rhs, c.residual, "hypothesis", tally, c.exact)
            tally.add(c.residual, c.exact)
    except Exception as exc:
        return replace(_error(law, exc, args, "hypothesis"), examples=tally.examples)
    return None


ENGINE_FUNCTIONS: dict[str, Callable[[Law, CheckConfig, list[str]], LawResult | None]] = {
    "exhaustive": exhaustive,
    "symbolic": symbolic,
    "hypothesis": sampled,
}


def run_engines(law: Law, config: CheckConfig) -> LawResult:
    """The first decisive result of the configured engines, timed, within the time limit."""
    t0 = time.perf_counter()
    notes: list[str] = []
    progress: dict[str, str] = {"engine": "none"}
    with sampling(Bounds(max_size=config.max_size, max_dim=config.max_dim)) as drawn:
        try:
            result = within(config.timeout, lambda: _decide(law, config, notes, progress))
        except LawTimeout as stop:
            result = _result(
                law,
                status="error",
                engine=progress["engine"],
                error=ErrorInfo(
                    "Timeout",
                    f"{stop} after {time.perf_counter() - t0:.2f} s in the {progress['engine']} engine "
                    f"({drawn.count} argument tuple(s) evaluated); raise --timeout or make the law cheaper",
                ),
            )
    return replace(
        result,
        seconds=time.perf_counter() - t0,
        drawn=drawn.summary(),
        notes=tuple(dict.fromkeys(notes + list(result.notes))),
    )


def _decide(law: Law, config: CheckConfig, notes: list[str], progress: dict[str, str]) -> LawResult:
    result: LawResult | None = None
    for name in ("exhaustive", "symbolic", "hypothesis"):
        if name in config.engines:
            progress["engine"] = name
            result = ENGINE_FUNCTIONS[name](law, config, notes)
            if result is not None:
                break
    if result is not None and result.engine == "symbolic" and result.status == "proved" and not law.symbolic_covers_all:
        # proved only for the symbolic cases chosen (e.g. dimensions 1–3): sample the rest too
        progress["engine"] = "hypothesis"
        rest = sampled(law, config, notes) if "hypothesis" in config.engines else None
        if rest is not None and rest.status != "held":
            result = rest
        else:
            examples = result.examples + (rest.examples if rest is not None else 0)
            result = replace(result, status="held", examples=examples)
    if result is None:
        result = _result(
            law,
            status="error",
            engine="none",
            error=ErrorInfo(
                "Undecided",
                "no engine could decide this law: give it an enumeration, symbolic arguments or a "
                f"hypothesis strategy (engines tried: {', '.join(config.engines)})",
            ),
        )
    return result
