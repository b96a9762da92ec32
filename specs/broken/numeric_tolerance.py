"""PLANTED VIOLATION — a numeric law off by more than its tolerance.

A "fast tanh" (the Padé approximant x(27 + x²)/(27 + 9x²)) is within 1e-4 of tanh only
near 0. The law claims agreement within atol = 1e-4 on [−4, 4]. Expected: refuted at a
small x (|x| about 1 or more), with a residual above 1e-4.
"""

import numpy as np
from hypothesis import strategies as st

from catdyn.checker import Law, approx


def fast_tanh(x):
    return x * (27 + x * x) / (27 + 9 * x * x)


fast_tanh_law = Law(
    "fast tanh agrees with tanh",
    "numeric",
    lambda x: fast_tanh(np.float64(x)),
    lambda x: np.tanh(np.float64(x)),
    arguments=st.tuples(st.floats(-4, 4, allow_nan=False)),
    argnames=("x",),
    compare=approx(rtol=0.0, atol=1e-4),
    statement="fast_tanh(x) = tanh(x) within 1e-4",
)
