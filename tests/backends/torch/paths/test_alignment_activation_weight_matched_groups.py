"""Activation matching with a group that has no feature layer: that group is weight-matched
afterwards, with the activation-matched groups held fixed (as ``activation_matching``
documents), and the result is one permutation of every group.

Every built-in architecture gives each group a feature layer, so the net here is an MLP whose
second hidden layer is declared invariant (no group acts on its features): its group must come
out of weight matching. The reference is a planted permutation: aligning a permuted copy must
give back the original parameters exactly.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.models.symmetry import LayerAction, permute, random_element  # noqa: E402
from catdyn.backends.torch.paths.alignment import activation_matching  # noqa: E402


class _SecondHiddenUngrouped(MLP):
    """An MLP whose ``hidden1`` features are declared invariant: group ``hidden1`` has no
    feature layer."""

    def layer_action(self, layer: str) -> LayerAction:
        action = super().layer_action(layer)
        return LayerAction(None, action.size) if layer == "hidden1" else action


@pytest.mark.parametrize("seed", range(4))
def test_a_group_without_feature_layer_is_weight_matched(seed: int) -> None:
    net = _SecondHiddenUngrouped((4, 10, 8, 3))
    theta = net.init(torch.Generator().manual_seed(seed))
    tau = random_element(net, torch.Generator().manual_seed(100 + seed))
    shuffled = permute(net, theta, tau)
    x = net.example_input(128, torch.Generator().manual_seed(1))
    r = activation_matching(net, theta, shuffled, x)
    assert r.extra["weight_matched_groups"] == ["hidden1"]
    aligned = permute(net, shuffled, r.permutation)
    for k in theta:
        torch.testing.assert_close(aligned[k], theta[k], rtol=0, atol=1e-6, msg=k)
    assert r.objective_after >= r.objective_before
