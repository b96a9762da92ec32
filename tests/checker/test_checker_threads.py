"""A spec that sets torch's thread count for its own laws does not leak it past its check."""

import textwrap

import pytest

torch = pytest.importorskip("torch")

from catdyn.checker.report import check_spec  # noqa: E402

SPEC = textwrap.dedent(
    """
    import torch
    from hypothesis import strategies as st
    from catdyn.checker import Law

    torch.set_num_threads(1)
    same = Law("x = x", "numeric", lambda x: x, lambda x: x, arguments=st.tuples(st.integers()))
    """
)


def test_thread_count_is_restored_after_a_spec(tmp_path):
    spec = tmp_path / "threads.py"
    spec.write_text(SPEC)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        report = check_spec(spec)
        assert [r.status for r in report.results] == ["held"]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
