"""The affine route's small helpers (``backends/torch/paths/affine_route.py``) against direct
references: ``_rows`` (a view for one row), ``_lerp_points`` against ``(1 − α)·a + α·b`` per
pair and point, ``_with_ends`` against a column-by-column fill, and ``_to_wire`` off the CPU."""

import torch

import catdyn.backends.torch.paths.affine_route as route


def test_rows_gives_the_indexed_rows_and_a_view_for_one() -> None:
    t = torch.arange(24.0).reshape(6, 4)
    index = [4, 1, 1, 5]
    for p0 in range(4):
        for q in range(1, 5 - p0):
            got = route._rows(t, index, p0, q)
            assert torch.equal(got, t[index[p0 : p0 + q]])
    one = route._rows(t, index, 1, 1)
    assert one.shape == (1, 4) and one.untyped_storage().data_ptr() == t.untyped_storage().data_ptr()


def test_lerp_points_is_the_straight_line_per_pair_and_point() -> None:
    g = torch.Generator().manual_seed(0)
    t = torch.randn(5, 3, 2, generator=g, dtype=torch.float64)
    pa, pb = [0, 3, 2, 4], [1, 1, 4, 0]
    w = torch.tensor([0.0, 0.25, 0.6, 1.0], dtype=torch.float64)
    for p0, q in ((0, 4), (1, 2), (3, 1)):
        got = route._lerp_points(t, pa, pb, p0, q, w)
        assert got.shape == (q, 4, 3, 2)
        for i in range(q):
            for k, a in enumerate(w.tolist()):
                ref = (1 - a) * t[pa[p0 + i]] + a * t[pb[p0 + i]]
                torch.testing.assert_close(got[i, k], ref, rtol=0, atol=1e-15)


def test_with_ends_fills_the_end_columns_from_the_end_models() -> None:
    inner_values = torch.tensor([[10.0, 11.0], [20.0, 21.0], [30.0, 31.0]])
    model_values = torch.tensor([100.0, 101.0, 102.0])
    at0 = [False, True, False, False, True]
    at1 = [True, False, False, False, False]
    inner = [2, 3]
    pa, pb = [0, 2, 1], [1, 0, 2]
    got = route._with_ends(inner_values, model_values, inner, at0, at1, pa, pb, True)
    ref = torch.empty(3, 5)
    for p in range(3):
        ref[p, 0] = model_values[pb[p]]  # alpha = 1: the second model
        ref[p, 1] = model_values[pa[p]]  # alpha = 0: the first model
        ref[p, 4] = model_values[pa[p]]
        ref[p, 2], ref[p, 3] = inner_values[p]
    assert torch.equal(got, ref)
    assert route._with_ends(inner_values, model_values, inner, at0, at1, pa, pb, False) is inner_values


def test_to_wire_keeps_a_tensor_off_the_cpu() -> None:
    t = torch.empty(4, 3, device="meta")
    assert route._to_wire(t) is t
    view = t[1:]
    sent = route._to_wire(view)
    assert sent is not view and sent.shape == (3, 3) and sent.device.type == "meta"


def test_onednn_check_refuses_a_missing_failing_or_wrong_kernel(monkeypatch) -> None:
    """The check on first use: no oneDNN, an operator that raises, or one that computes
    something else, each leave ``baddbmm``; the real one (where present) must match it."""

    class _Ops:
        def __init__(self, fn):
            self._convolution_pointwise = fn

    def wrong(h, w, b, *rest):
        return torch.zeros(1, w.shape[0], h.shape[-1])

    def fails(*args):
        raise RuntimeError("no kernel")

    def right(h, w, b, pad, stride, dil, groups, *rest):
        return torch.nn.functional.conv1d(h, w, b, groups=groups)

    for fn, expected in ((wrong, False), (fails, False), (right, True)):
        monkeypatch.setattr(route, "_ONEDNN", [])
        monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: True)
        monkeypatch.setattr(torch.ops, "mkldnn", _Ops(fn))
        assert route._onednn_ok() is expected, fn.__name__
        assert route._ONEDNN == [expected]
    monkeypatch.setattr(route, "_ONEDNN", [])
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: False)
    assert route._onednn_ok() is False
    # decided once: a later change is not seen
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: True)
    assert route._onednn_ok() is False
