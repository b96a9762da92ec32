"""The analytic FLOP counter of the benchmarks against torch's FlopCounterMode, and the peak."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.flops import forward_flops, total
from benchmarks.peak import copy_gbs, gemm_gflops
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer

NETS = [
    MLP((12, 9, 7, 4)),
    CNN((1, 8, 8), (3, 5), 4),
    CNN((2, 9, 7), (4,), 3, pool=None, kernel=5, readout="mean"),
    ResNet((1, 6, 6), 4, (3, 2), 5),
    Transformer(input_dim=3, seq_len=6, d_model=8, heads=(2, 1), head_dim=4, mlp=(6, 5), classes=2),
    Transformer(input_dim=0, seq_len=5, d_model=8, heads=(2,), head_dim=3, mlp=(6,), classes=3, vocab=7),
    GRU(3, 5, 2, seq_len=4),
]


@pytest.mark.parametrize("net", NETS, ids=lambda n: n.name)
def test_forward_flops_equal_torch_flop_counter(net) -> None:  # type: ignore[no-untyped-def]
    params = net.init(torch.Generator().manual_seed(0))
    x = net.example_input(11, torch.Generator().manual_seed(1))
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        net.apply(params, x)
    assert total(forward_flops(net, x.shape[1:], 11)) == counter.get_total_flops()


def test_peaks_are_positive_and_finite() -> None:
    g, c = gemm_gflops(128, repeat=1), copy_gbs(4, repeat=1)
    assert 0 < g < 1e6 and 0 < c < 1e5


def test_mlp_training_step_flops_equal_torch_flop_counter() -> None:
    from benchmarks.flops import mlp_training_step_flops

    model = torch.nn.Sequential(torch.nn.Linear(12, 9), torch.nn.ReLU(), torch.nn.Linear(9, 7),
                                torch.nn.ReLU(), torch.nn.Linear(7, 4))
    x, y = torch.randn(13, 12), torch.randint(0, 4, (13,))
    counter = FlopCounterMode(display=False)
    with counter:
        torch.nn.functional.cross_entropy(model(x), y).backward()
    assert mlp_training_step_flops((12, 9, 7, 4), 13) == counter.get_total_flops()
