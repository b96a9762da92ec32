"""Learning as a functor Para → Learn on torch: the laws hold on real layers, the two planted
bugs are refuted, the request matches its closed form, and on all five architecture families
the composed learners' gradients equal torch autograd's."""

from pathlib import Path

import pytest
import torch

from catdyn.backends.torch.functors.learner_stages import stage_params, stages
from catdyn.backends.torch.functors.learners import (
    GradientLearning,
    QuadraticError,
    learn_laws,
    leaves,
    linear,
    standard_chains,
)
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, ResNet, Transformer, random_params
from catdyn.category import compose_all
from catdyn.checker import CheckConfig
from catdyn.checker.law import check_laws
from catdyn.checker.report import check_spec
from catdyn.errors import LearnerError

ROOT = Path(__file__).resolve().parents[4]
L = GradientLearning(step=0.1, error=QuadraticError(alpha=2.0))


def test_laws_hold_on_linear_conv_attention_and_gru_chains_sampled_by_hypothesis():
    results = check_laws(learn_laws(L), CheckConfig(examples=4, seed=0))
    assert len(results) == 12
    assert all(r.status == "held" and r.residual < 1e-12 for r in results), [(r.subject, r.law, r.status) for r in results]


def test_request_is_the_closed_form_for_a_linear_layer():
    # E = (α/2)‖aWᵀ + b − c‖², ∇_a E = α (aWᵀ + b − c) W, request = a − (1/α)∇_a E
    layer = linear("lin", 3, 2, batch=4)
    g = torch.Generator().manual_seed(1)
    (W, b), a = layer.init(g), torch.randn(4, 3, generator=g, dtype=torch.float64)
    c = torch.randn(4, 2, generator=g, dtype=torch.float64)
    learner = L(layer.para)
    residual = a @ W.T + b - c
    assert torch.allclose(learner.request((W, b), a, c), a - residual @ W, atol=1e-12)
    newW, newb = learner.update((W, b), a, c)
    assert torch.allclose(newW, W - 0.1 * 2.0 * residual.T @ a, atol=1e-12)
    assert torch.allclose(newb, b - 0.1 * 2.0 * residual.sum(0), atol=1e-12)


def test_wrong_request_is_refuted_on_composition_and_sgd():
    rs = check_spec(ROOT / "specs" / "broken" / "learn_wrong_request.py", CheckConfig(seed=0)).results
    assert rs and all(r.status == "refuted" for r in rs if r.law != "preserves identities")
    assert {r.law for r in rs if r.status == "refuted"} >= {"functor preserves composition", "one SGD step"}


def test_missing_step_size_is_refuted_by_the_sgd_step_only():
    rs = check_spec(ROOT / "specs" / "broken" / "learn_missing_step.py", CheckConfig(seed=0)).results
    by = {(r.subject, r.law): r.status for r in rs}
    for chain in ("linear chain", "conv chain"):
        assert by[(chain, "one SGD step")] == "refuted"
        assert by[(chain, "functor preserves composition")] == "held"  # step 1 is still a functor


ARCHS = [
    MLP((4, 5, 3)),
    CNN((1, 6, 6), (3, 2), 3),
    CNN((1, 4, 4), (2,), 2, pool="avg", readout="mean", activation="tanh"),
    ResNet((1, 4, 4), 3, (2, 3), 2),
    Transformer(3, 4, 4, (2, 1), 2, (3, 5), 2),
    GRU(2, 4, 2, seq_len=4),
]


@pytest.mark.parametrize("arch", ARCHS, ids=lambda a: a.name)
def test_composed_learners_gradients_equal_autograd_on_every_family(arch):
    g = torch.Generator().manual_seed(3)
    params = random_params(arch, g, torch.float64)
    x = arch.example_input(3, g, torch.float64)
    chain = stages(arch, batch=3)
    para = compose_all(s.para for s in chain)
    p = stage_params(chain, params)
    assert float((para.implement(p, x) - arch.apply(params, x)).abs().max()) < 1e-12  # the cut is exact
    assert sorted(n for s in chain for n in s.names) == sorted(params)
    c = torch.randn(arch.apply(params, x).shape, generator=g, dtype=torch.float64)
    updated = leaves(L.composed(para).update(p, x, c))
    names = [n for s in chain for n in s.names]
    leaf = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    loss = (2.0 / 2 * (arch.apply(leaf, x) - c) ** 2).sum()
    grads = torch.autograd.grad(loss, [leaf[n] for n in names])
    for name, new, grad in zip(names, updated, grads):
        assert torch.allclose((params[name] - new) / 0.1, grad, atol=1e-9, rtol=1e-7), name


def test_bad_input_is_refused_clearly():
    with pytest.raises(LearnerError, match="step size"):
        GradientLearning(0.0, QuadraticError())
    with pytest.raises(LearnerError, match="not positive"):
        QuadraticError(-1.0)
    with pytest.raises(LearnerError, match="batch norm"):
        stages(MLP((2, 3, 2), batch_norm=True), batch=2)
    with pytest.raises(LearnerError, match="token ids"):
        stages(Transformer(3, 4, 4, (2,), 2, (3,), 2, vocab=7), batch=2)


def test_standard_chains_cover_the_four_layer_kinds():
    assert [c.name for c in standard_chains()] == ["linear", "conv", "attention", "gru"]
