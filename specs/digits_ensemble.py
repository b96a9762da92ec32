"""An ensemble of small MLPs on scikit-learn's digits: train, evaluate, realise, check a law.

``catdyn run specs/digits_ensemble.py`` (the ``smoke`` preset: well under a minute on a CPU) trains
every (seed, learning rate) pair as one batched ensemble. One learning rate (1e30) is absurdly
large on purpose: its members' weights overflow float32 at the first steps, their loss becomes
NaN, they are marked failed, and the run goes on without them. (Cross-entropy on a ReLU net is
so robust that merely large rates keep a finite loss: at 1e6 every member still has one, and
at 1e14 whether a member overflows depends on its seed and data order.)

The diagram (``1`` is the point; an arrow from several objects starts at their product; each
arrow shows its morphism, then its name in the run; the report draws the same picture)::

    1 --LoadDataset (load)--> Digits --Train (train)--> Trained
    Trained × Digits --Evaluate (evaluate)--> Accuracy --AccuracySpread (spread)--> Spread
    Trained × Digits --Realise (realise)--> Rep
    Trained × Digits × Rep --RealisationLaw (functor_law)--> FunctorLaw
    Trained --Permute (permute)--> Permuted (× Digits) --Realise (realise_permuted)--> RepOfPermuted
    Rep --PermuteRep (P_sigma)--> PermutedRep,   equation: RepOfPermuted = PermutedRep

The last square is declared as an equation of the diagram, so the run itself checks that it
commutes on the values it computed (a refuted equation fails the run). It measures two claims:
that the realisation functor Param → Rep commutes with the hidden-unit
symmetry group (realise(σ·θ) = P_σ·realise(θ), checked by the law checker on every trained
member against the stored realisation), and how alike runs that differ only in their seed
generalise (std of test accuracy within a learning rate, with a bootstrap interval), against
the paper's "spread < 0.5 % within a class". The groups are hyperparameter groups, not homotopy
classes: later specs compute those.

``catdyn check specs/digits_ensemble.py`` checks, without training, the laws of the same
realisation functor on the smoke architecture for hypothesis-generated parameters (``laws``
at the bottom). A spec is Python and runs as code.
"""

from catdyn import experiment
from catdyn.backends.torch.training.morphisms import (
    AccuracySpread,
    Evaluate,
    LoadDataset,
    Permute,
    PermuteRep,
    RealisationLaw,
    Realise,
    Train,
)

SMOKE = {"widths": [64, 32, 10], "seeds": (0, 1, 2), "lrs": (0.05, 0.1, 1e30), "steps": 300, "n_probe": 128,
         "examples": 10}
TINY = {"widths": [64, 16, 10], "seeds": (0, 1), "lrs": (0.1, 1e30), "steps": 40, "n_probe": 32, "examples": 5}
FULL = {"widths": [64, 64, 10], "seeds": tuple(range(16)), "lrs": (0.01, 0.03, 0.1, 1e30), "steps": 4000,
        "n_probe": 359, "examples": 100}
SIGMA = 7
"""The seed of the one hidden-unit symmetry σ both sides of the naturality square use."""


@experiment(name="digits-ensemble", seed=0, presets={"smoke": SMOKE, "tiny": TINY, "full": FULL})
def digits_ensemble(e, p):
    """Small MLPs on scikit-learn digits; one exploding learning rate must be marked failed."""
    arch = {"type": "mlp", "widths": p["widths"]}
    data = e.add("Digits", LoadDataset(dataset="digits", seed=0), name="load")
    trained = e.add("Trained", Train(arch=arch, seeds=p["seeds"], lr=p["lrs"], steps=p["steps"], batch_size=64,
                                     optimiser="sgd", momentum=0.9), data, name="train")
    accuracy = e.add("Accuracy", Evaluate(), trained, data, name="evaluate")
    e.add("Spread", AccuracySpread(group_by="lr"), accuracy, name="spread")
    rep = e.add("Rep", Realise(layer="hidden0", n_probe=p["n_probe"]), trained, data, name="realise")
    e.add("FunctorLaw", RealisationLaw(examples=p["examples"]), trained, data, rep,
          name="functor_law")
    # the naturality square: Trained --σ--> Permuted --realise--> RepOfPermuted equals
    # Trained --realise--> Rep --P_σ--> PermutedRep, exactly (coordinates move, no arithmetic)
    permuted = e.add("Permuted", Permute(sigma_seed=SIGMA), trained, name="permute")
    rep_of_permuted = e.add("RepOfPermuted", Realise(layer="hidden0", n_probe=p["n_probe"]), permuted, data,
                            name="realise_permuted")
    permuted_rep = e.add("PermutedRep", PermuteRep(sigma_seed=SIGMA, arch=arch), rep, name="P_sigma")
    e.equation("realisation commutes with σ", rep_of_permuted, permuted_rep, atol=1e-5)


# What `catdyn check` checks in this spec (before any training): the laws of the same realisation
# functor (identities, composition, naturality for symmetries and widenings, function
# preservation) on the smoke architecture, for hypothesis-generated parameters.
from catdyn.backends.torch.data.datasets import load_digits  # noqa: E402
from catdyn.backends.torch.functors.realisation import Realisation, realisation_laws  # noqa: E402
from catdyn.backends.torch.functors.rep import Probe  # noqa: E402
from catdyn.backends.torch.models.architectures import MLP  # noqa: E402
from catdyn.backends.torch.models.param import Param  # noqa: E402

_probe = Probe("digits test[:8]", load_digits(seed=0).test.x[:8].double())
laws = realisation_laws(Realisation(_probe, "hidden0"), Param.space(MLP((64, 32, 10))))
