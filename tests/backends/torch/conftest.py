"""Shared set-up of the torch backend's tests.

The networks here are tiny: torch's intra-op threads only add synchronisation (and on a
shared 2-core machine, a lot of it), so each test module runs single-threaded and restores
the thread count afterwards. The ensemble's own thread handling is tested inside its tests.
"""

import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
