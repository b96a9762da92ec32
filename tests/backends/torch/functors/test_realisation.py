"""The realisation functor's laws hold on real networks, checked through the law checker, and
planted bugs in the parameter action (a permutation that forgets the biases, one that transposes a
layer, one that uses σ instead of σ⁻¹ on the reading side) are refuted."""

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.functors.realisation import (  # noqa: E402
    Realisation,
    naturality_law,
    realisation_laws,
)
from catdyn.backends.torch.functors.rep import Probe, Rep  # noqa: E402
from catdyn.backends.torch.models.architectures import CNN, GRU, MLP, Transformer  # noqa: E402
from catdyn.backends.torch.models.param import Param, UnitMap  # noqa: E402
from catdyn.checker.law import CheckConfig, check_law, check_laws  # noqa: E402
from catdyn.errors import ShapeError  # noqa: E402

CONFIG = CheckConfig(examples=20, seed=0)



def realisation(arch, layer):
    space = Param.space(arch)
    probe = Probe("probe", arch.example_input(5, torch.Generator().manual_seed(0), torch.float64))
    return Realisation(probe, layer), space


@pytest.mark.parametrize(
    ("arch", "layer"),
    [
        (MLP((3, 3, 3, 2), batch_norm=True), "hidden0"),
        (CNN((1, 4, 4), (3,), 2), "conv0"),
        (Transformer(2, 3, 4, (3,), 2, (2,), 2), "layer0.attn"),
        (GRU(2, 3, 2, seq_len=3), "hidden"),
    ],
    ids=["mlp", "cnn", "transformer", "gru"],
)
def test_every_realisation_law_holds(arch, layer) -> None:
    R, space = realisation(arch, layer)
    results = check_laws(realisation_laws(R, space), CONFIG)
    assert [r.status for r in results if not r.ok] == [], [
        (r.law, r.status, r.counterexample, r.error) for r in results
    ]
    by_name = {r.law: r for r in results}
    assert by_name["preserves identities"].status == "proved"
    assert by_name["naturality (symmetries)"].examples == CONFIG.examples


def test_small_symmetry_groups_are_proved_by_enumeration() -> None:
    R, space = realisation(CNN((1, 4, 4), (3,), 2), "conv0")
    results = check_laws(realisation_laws(R, space)[:2], CONFIG)
    assert [(r.status, r.engine) for r in results] == [("proved", "exhaustive")] * 2
    assert results[1].examples == 36  # every pair of elements of S_3


def test_symmetries_realise_as_permutation_matrices_and_widenings_as_duplications() -> None:
    R, space = realisation(MLP((3, 3, 2)), "hidden0")
    sigma = Param.symmetry(space, {"hidden0": [1, 2, 0]})
    assert R(sigma).is_permutation
    assert R(sigma).matrix.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    w = Param.widening(space, {"hidden0": 5}, torch.Generator().manual_seed(0))
    E = R(w)
    assert (
        E.matrix.shape == (5, 3) and (E.matrix.sum(axis=1) == 1).all() and (E.matrix.sum(axis=0) >= 1).all()
    )
    assert R(w).cod == Rep.space(R.probe, "hidden0", 5)


# --- planted bugs ---------------------------------------------------------------------------
def forgets_biases(f: UnitMap, params):
    moved = f(params)
    return {k: params[k] if k.endswith("bias") else v for k, v in moved.items()}


def transposes_a_layer(f: UnitMap, params):
    moved = f(params)
    moved["fc1.weight"] = moved["fc1.weight"].T.contiguous()
    return moved


def reads_with_the_wrong_inverse(f: UnitMap, params):
    """Permutes producers by σ but the next layer's columns by σ⁻¹ (a classic weight-matching slip)."""
    moved = f(params)
    sigma = f.permutation().perms[0]
    index = torch.as_tensor(sigma.copy())
    moved["fc1.weight"] = params["fc1.weight"].index_select(1, index)
    return moved


@pytest.mark.parametrize("bug", [forgets_biases, transposes_a_layer, reads_with_the_wrong_inverse])
def test_planted_bugs_are_refuted(bug) -> None:
    R, space = realisation(MLP((3, 3, 3, 2)), "hidden1")
    law = naturality_law(R, space, Param.morphisms(space, space), "naturality (symmetries)", act=bug)
    result = check_law(law, CONFIG)
    assert result.status == "refuted", result
    ce = result.counterexample
    assert ce is not None and ce.lhs != ce.rhs and ce.residual > 1e-6
    assert [name for name, _ in ce.arguments] == ["θ", "f"]
    # the whole suite with the bug fails somewhere too
    assert any(r.status == "refuted" for r in check_laws(realisation_laws(R, space, act=bug), CONFIG))


def test_the_correct_action_passes_the_same_check() -> None:
    R, space = realisation(MLP((3, 3, 3, 2)), "hidden1")
    law = naturality_law(R, space, Param.morphisms(space, space), "naturality (symmetries)")
    assert check_law(law, CONFIG).status == "held"


def test_unit_maps_are_validated() -> None:
    A = Param.space(MLP((2, 3, 1)))
    B = Param.space(MLP((2, 4, 1)))
    with pytest.raises(ShapeError, match="resizes"):
        UnitMap("bad", A, B, (torch.arange(3).numpy(),), (torch.ones(3).numpy(),))
    with pytest.raises(ShapeError, match="not a permutation"):
        Param.widening(A, {"hidden0": 4}, torch.Generator().manual_seed(0)).permutation()


def test_the_spec_checks_clean_through_the_cli(capsys) -> None:
    from pathlib import Path

    from catdyn.cli import main

    spec = Path(__file__).resolve().parents[4] / "specs" / "realisation_functor.py"
    assert main(["check", str(spec), "--examples", "10", "--seed", "0"]) == 0
    assert "0 refuted, 0 error" in capsys.readouterr().out
