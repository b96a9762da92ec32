"""The stability law runs in the checker: held for the real pipeline, refuted for planted bugs."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from catdyn.checker.law import CheckConfig, check_law
from catdyn.topology.cubical import sublevel_persistence
from catdyn.topology.stability import bottleneck, bottleneck_finite, stability_law

HAS_GUDHI = importlib.util.find_spec("gudhi") is not None
needs_gudhi = pytest.mark.skipif(not HAS_GUDHI, reason="needs gudhi (the topology extra)")
CONFIG = CheckConfig(examples=30, seed=0)


@pytest.mark.parametrize("construction", ["vertex", "top-cell"])
def test_law_holds_union_find(construction: str) -> None:
    r = check_law(
        stability_law(construction=construction, engine="union-find", bottleneck_engine="matching"), CONFIG
    )
    assert r.status == "held", r
    assert r.examples == 30 and r.residual <= 1e-12


@needs_gudhi
@pytest.mark.parametrize("construction", ["vertex", "top-cell"])
@pytest.mark.parametrize("ndim", [2, 3])
def test_law_holds_gudhi_h0_h1(construction: str, ndim: int) -> None:
    law = stability_law(construction=construction, ndim=ndim, max_side=5 if ndim == 3 else 7)
    r = check_law(law, CONFIG)
    assert r.status == "held", r


def _transposed_layout(f: np.ndarray, eta: np.ndarray) -> np.ndarray:
    # the perturbed grid's values written column-major and read row-major
    return (f + eta).T.reshape(f.shape)


def _shifted(f: np.ndarray, eta: np.ndarray) -> np.ndarray:
    return np.roll(f + eta, 1, axis=0)


def _skipped_offset(f: np.ndarray, eta: np.ndarray) -> np.ndarray:
    g = f + eta
    return np.concatenate([g[1:], g[-1:]], axis=0)  # first row dropped, last repeated


@pytest.mark.parametrize("bug", [_transposed_layout, _shifted, _skipped_offset])
def test_planted_bugs_are_refuted(bug) -> None:  # type: ignore[no-untyped-def]
    law = stability_law(engine="union-find", bottleneck_engine="matching", perturb=bug)
    r = check_law(law, CheckConfig(examples=100, seed=0))
    assert r.status == "refuted", r
    assert r.counterexample is not None and r.counterexample.residual > 0


def test_data_dependent_recentring_is_refuted() -> None:
    # "centre the grid on its minimum" with wrap-around: a jump when the argmin moves
    def recentred(g: np.ndarray):  # type: ignore[no-untyped-def]
        idx = np.unravel_index(np.argmin(g), g.shape)
        return sublevel_persistence(
            np.roll(g, [n // 2 - i for n, i in zip(g.shape, idx)], axis=(0, 1)), engine="union-find"
        )

    law = stability_law(diagram_of=recentred, bottleneck_engine="matching")
    assert check_law(law, CheckConfig(examples=100, seed=0)).status == "refuted"


@needs_gudhi
def test_own_bottleneck_matches_hera() -> None:
    import gudhi.hera

    rng = np.random.default_rng(3)
    for _ in range(100):
        a = np.sort(rng.normal(size=(int(rng.integers(0, 7)), 2)), axis=1)
        b = np.sort(rng.normal(size=(int(rng.integers(0, 7)), 2)), axis=1)
        want = gudhi.hera.bottleneck_distance(a, b, 0.0) if len(a) or len(b) else 0.0
        assert bottleneck_finite(a, b) == pytest.approx(want, abs=1e-12)


def test_own_bottleneck_on_a_case_gudhi_classic_overestimates() -> None:
    # b's second point must go to the diagonal (0.9939) and everything else can: the optimum is
    # 0.9939; gudhi.bottleneck_distance(a, b, 0) in gudhi 3.13.0 returns 1.1036 here
    a = np.array([[-1.29224647, -0.3256099], [-1.572213, -0.48195669], [-1.10759934, -0.95874572]])
    b = np.array(
        [
            [-0.10708092, 0.67104746],
            [0.92634208, 2.91412589],
            [-0.63318762, 0.77800734],
            [-0.68568108, 0.35680389],
            [-0.77532861, 1.10259497],
        ]
    )
    assert bottleneck_finite(a, b) == pytest.approx((2.91412589 - 0.92634208) / 2)


def test_bottleneck_by_hand_and_essential() -> None:
    assert bottleneck_finite(np.array([[0.0, 4.0]]), np.array([[1.0, 4.5], [0.0, 0.2]])) == 1.0
    f = np.array([0.0, 3.0, 1.0])
    d1 = sublevel_persistence(f, engine="union-find")
    d2 = sublevel_persistence(f - 0.5, engine="union-find")  # everything moves by 0.5
    assert bottleneck(d1, d2, engine="matching") == pytest.approx(0.5)
    assert bottleneck(d1, d1, engine="matching") == 0.0
