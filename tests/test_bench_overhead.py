"""The overhead benchmark's two numbers: the parameter count of an MLP (against the closed form)
and the fitted growth exponent (against power laws with known exponents)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from benchmarks.bench_overhead import exponent, parameter_count
from catdyn.backends.torch.models.architectures import MLP


@pytest.mark.parametrize("w", [1, 16, 100])
def test_parameter_count_is_the_closed_form(w: int) -> None:
    assert parameter_count(MLP((64, w, w, 10))) == 64 * w + w + w * w + w + w * 10 + 10


@pytest.mark.parametrize("b", [0.0, 1.0, 1.5, 2.0])
def test_exponent_recovers_a_power_law_with_noise_free_times(b: float) -> None:
    sizes = [1_000 * 2**i for i in range(6)]
    assert exponent(sizes, [3e-4 * s**b for s in sizes]) == pytest.approx(b, abs=1e-9)


def test_exponent_is_the_least_squares_slope_not_the_end_points() -> None:
    sizes, seconds = [10, 100, 1000], [1.0, 100.0, 100.0]
    slope = np.polyfit(np.log10(sizes), np.log10(seconds), 1)[0]
    assert exponent(sizes, seconds) == pytest.approx(slope) and slope == pytest.approx(1.0)
