"""Model merging as a colimit: does gluing two trained networks' units along a weight matching
before averaging them give a better network than averaging them as they are?

Two MLPs on digits differ only by seed. ``Merge(method="aligned")`` glues their hidden units
along the weight matching of the second onto the first (a Perm morphism through the
architecture's declared symmetry): the merged units are the colimit, in FinSet, of the units of
both networks and the matched pairs (a pushout), and the merged weights are the average in that
quotient. ``Merge(method="naive")`` glues unit i to unit i — plain averaging. Both merges and
the members are evaluated, and the claims compare their test accuracy. Composed only of
published morphisms:

    1 --LoadDataset--> Digits --Train--> Population
    Population --Merge(aligned)--> Aligned merge;  Population --Merge(naive)--> Naive merge
    {Population, Aligned merge, Naive merge} × Digits --Evaluate--> accuracy tables
    the three tables --MergeClaims--> Claims

``units_glued`` is the colimit itself on a small instance (a network and a copy of it with its
hidden units shuffled, aligned): ``catdyn check`` proves its universal property;
``specs/broken/merge_naive_cocone.py`` plants plain averaging as its cocone, and it is refuted.

``catdyn run specs/model_merging.py --preset smoke --device cpu`` needs under a minute of CPU time
(more wall time on a loaded machine); ``tiny`` (the tests') a few seconds.
"""

import torch

from catdyn import experiment
from catdyn.backends.torch.models.architectures import MLP
from catdyn.backends.torch.models.symmetry import permute, random_element
from catdyn.backends.torch.paths.merging import glue_units, matchings_for
from catdyn.backends.torch.paths.merging_morphisms import Merge, MergeClaims
from catdyn.backends.torch.training.morphisms import Evaluate, LoadDataset, Train

TINY = {"n_train": 300, "hidden": 16, "seeds": (0, 1), "lr": 0.1, "steps": 60}
SMOKE = {"n_train": None, "hidden": 64, "seeds": (0, 1), "lr": 0.1, "steps": 1500}
FULL = {"n_train": None, "hidden": 128, "seeds": (0, 1, 2, 3), "lr": 0.1, "steps": 4000}


@experiment(name="model-merging", seed=0, presets={"tiny": TINY, "smoke": SMOKE, "full": FULL})
def model_merging(e, p):
    """Two (full: four) MLPs on digits merged as the colimit of their units, aligned by weight
    matching or not, against the members they were merged from."""
    data = e.add("Digits", LoadDataset(dataset="digits", n_train=p["n_train"]))
    arch = {"type": "mlp", "widths": [64, p["hidden"], p["hidden"], 10]}
    pop = e.add("Population", Train(arch=arch, seeds=p["seeds"], lr=p["lr"], steps=p["steps"]), data)
    aligned = e.add("Aligned merge", Merge(method="aligned"), pop)
    naive = e.add("Naive merge", Merge(method="naive"), pop)
    members = e.add("Members' accuracy", Evaluate(), pop, data, name="Evaluate members")
    acc_aligned = e.add("Aligned accuracy", Evaluate(), aligned, data, name="Evaluate aligned merge")
    acc_naive = e.add("Naive accuracy", Evaluate(), naive, data, name="Evaluate naive merge")
    e.add("Claims", MergeClaims(), members, acc_aligned, acc_naive)


_net = MLP((3, 4, 2))
_theta = _net.init(torch.Generator().manual_seed(0))
_shuffled = permute(_net, _theta, random_element(_net, torch.Generator().manual_seed(1)))
_matchings, _ = matchings_for(_net, [_theta, _shuffled], "aligned")
units_glued = glue_units("hidden0", 4, 2, _matchings["hidden0"])
