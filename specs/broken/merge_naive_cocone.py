"""PLANTED VIOLATION — plain averaging offered as the colimit that merges two networks.

The hidden units of a small MLP and of a copy of it with its units shuffled are glued along
the weight matching of the copy onto the network (``specs/model_merging.py``'s
``units_glued``). This "colimit" keeps the true apex but sends unit i of each network to merged
unit i — what averaging without alignment does. Its legs do not agree on the matched pairs:
expected ``cocone commutes`` refuted (and ``factorisation is unique``: the cocone that tells
two matched units apart does not factor; ``every cocone factors`` ends in an error, as the
colimit's own cocone, which does not commute, cannot be factored).
"""

import numpy as np
import torch

from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.models.symmetry import permute, random_element
from catdyn.backends.torch.paths.merging import glue_units, matchings_for, units_name
from catdyn.categories.finset import FinSet
from catdyn.limits import Colimit, DiagramCocone

_net = MLP((3, 4, 2))
_theta = _net.init(torch.Generator().manual_seed(0))
_shuffled = permute(_net, _theta, random_element(_net, torch.Generator().manual_seed(1)))
_matchings, _ = matchings_for(_net, [_theta, _shuffled], "aligned")
_true = glue_units("hidden0", 4, 2, _matchings["hidden0"])
_naive = {units_name("hidden0", k) for k in (0, 1)}
_legs = {
    name: FinSet.function(f"unit i ↦ i ({name})", leg.dom, _true.apex, np.arange(leg.dom.size)) if name in _naive
    else leg
    for name, leg in _true.legs.items()
}


def _mediate(cocone):
    """Merged unit i is unit i of the first network, wherever the cocone sends that."""
    return FinSet.function("u", _true.apex, cocone.apex, cocone.legs[units_name("hidden0", 0)].table)


naive_average = Colimit(DiagramCocone(_true.diagram, _true.apex, _legs), _mediate)
