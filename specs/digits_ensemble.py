"""An ensemble of small MLPs on scikit-learn's digits: train, evaluate, realise, check a law.

``catdyn run specs/digits_ensemble.py`` (the ``smoke`` preset: well under a minute on a CPU) trains
every (seed, learning rate) pair as one batched ensemble. One learning rate (1e30) is absurdly
large on purpose: its members' weights overflow float32 at the first steps, their loss becomes
NaN, they are marked failed, and the run goes on without them. (Cross-entropy on a ReLU net is
so robust that merely large rates keep a finite loss: at 1e6 every member still has one, and
at 1e14 whether a member overflows depends on its seed and data order.)

The diagram (``1`` is the point; a step from several stages starts at their product)::

    1 --load--> Digits --train--> Trained
    Trained × Digits --evaluate--> Accuracy --spread--> Spread
    Trained × Digits --realise--> Rep
    Trained × Digits × Rep --functor_law--> FunctorLaw
    Trained --permute--> Permuted (× Digits) --realise_permuted--> RepOfPermuted
    Rep --P_sigma--> PermutedRep,   equation: RepOfPermuted = PermutedRep

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

from catdyn.runner import Experiment, P

exp = Experiment(
    "digits-ensemble",
    seed=0,
    description="Small MLPs on scikit-learn digits; one exploding learning rate must be marked failed.",
    presets={
        "smoke": {
            "widths": [64, 32, 10],
            "seeds": [0, 1, 2],
            "lrs": [0.05, 0.1, 1e30],
            "steps": 300,
            "n_probe": 128,
            "examples": 10,
        },
        # what the tests run: seconds, same steps
        "tiny": {
            "widths": [64, 16, 10],
            "seeds": [0, 1],
            "lrs": [0.1, 1e30],
            "steps": 40,
            "n_probe": 32,
            "examples": 5,
        },
        "full": {
            "widths": [64, 64, 10],
            "seeds": list(range(16)),
            "lrs": [0.01, 0.03, 0.1, 1e30],
            "steps": 4000,
            "n_probe": 359,
            "examples": 100,
        },
    },
)

data = exp.stage("Digits", "dataset")
trained = exp.stage("Trained", "ensemble")
accuracy = exp.stage("Accuracy", "metrics")
rep = exp.stage("Rep", "rep")
law = exp.stage("FunctorLaw", "verdict")
spread = exp.stage("Spread", "claims")

exp.step("load", None, data, op="load_data", name="digits", seed=0)
exp.step(
    "train",
    data,
    trained,
    op="train_ensemble",
    arch={"type": "mlp", "widths": P("widths")},
    seeds=P("seeds"),
    lr=P("lrs"),
    steps=P("steps"),
    batch_size=64,
    optimiser="sgd",
    momentum=0.9,
)
exp.step("evaluate", (trained, data), accuracy, op="evaluate_accuracy")
exp.step("realise", (trained, data), rep, op="realise", layer="hidden0", n_probe=P("n_probe"))
exp.step("functor_law", (trained, data, rep), law, op="check_realisation_law", examples=P("examples"))
exp.step("spread", accuracy, spread, op="claim_accuracy_spread", group_by="lr")

# The naturality square of the realisation functor, as a diagram the run executes and checks:
#   Trained --permute (σ)--> Permuted --realise--> RepOfPermuted
#   Trained --realise-->     Rep      --P_σ-->     PermutedRep
# σ·θ realised must equal the realisation of θ with its coordinates permuted, exactly.
permuted = exp.stage("Permuted", "ensemble")
rep_of_permuted = exp.stage("RepOfPermuted", "rep")
permuted_rep = exp.stage("PermutedRep", "rep")
exp.step("permute", trained, permuted, op="permute_ensemble", sigma_seed=7)
exp.step(
    "realise_permuted", (permuted, data), rep_of_permuted, op="realise", layer="hidden0", n_probe=P("n_probe")
)
exp.step("P_sigma", rep, permuted_rep, op="permute_rep", sigma_seed=7)
exp.equation("realisation commutes with σ", rep_of_permuted, permuted_rep, atol=1e-5)

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
