"""Barrier classes of a population, then each class's landscape persistence: do networks that
the loss barriers put in one class also share the shape of the loss around their minima?

A population of MLPs on digits differs by seed and learning rate. Its members are classed by
the line-endpoint loss barrier (each pair aligned by weight matching) at level c; each member's
loss landscape (a filter-normalised 2-D slice through its minimum) gets its sublevel persistence;
the table reads the persistence out per class, and the claims test the paper's "homotopic runs
generalise alike" (arXiv 2510.04376) on the same classes. Composed only of published morphisms:

    1 --LoadDataset--> Digits --Train--> Population
    Population × Digits --Barriers--> Barriers --Classes--> Classes
    Population × Digits --Landscape--> Landscapes --Persistence--> Diagrams
    Diagrams × Classes --ClassPersistence--> Persistence by class
    Population × Digits --Evaluate--> Accuracy;  Classes × Accuracy --ClassSpreads--> Claims

``catdyn run specs/class_persistence.py --preset smoke --device cpu`` takes about a minute on a
CPU; ``tiny`` (the tests') a few seconds; ``full`` is the study's size.
"""

from catdyn import experiment
from catdyn.backends.torch.studies.homotopy.morphisms import Barriers, Classes, ClassSpreads
from catdyn.backends.torch.studies.persistence.morphisms import ClassPersistence, Landscape, Persistence
from catdyn.backends.torch.training.morphisms import Evaluate, LoadDataset, Train

TINY = {"n_train": 200, "hidden": 8, "seeds": (0, 1), "lr": (0.1,), "steps": 20, "points": 5, "grid": 5, "c": 0.1,
        "resamples": 50}
SMOKE = {"n_train": 600, "hidden": 16, "seeds": (0, 1, 2, 3), "lr": (0.05, 0.1, 0.2), "steps": 1000,
         "points": 9, "grid": 15, "c": 0.05, "resamples": 1000}
FULL = {"n_train": None, "hidden": 64, "seeds": tuple(range(10)), "lr": (0.02, 0.05, 0.1, 0.2), "steps": 2000,
        "points": 25, "grid": 21, "c": 0.1, "resamples": 2000}


@experiment(name="class-persistence", seed=0, presets={"tiny": TINY, "smoke": SMOKE, "full": FULL})
def class_persistence(e, p):
    """Barrier classes of an MLP population on digits, and each class's landscape persistence."""
    data = e.add("Digits", LoadDataset(dataset="digits", n_train=p["n_train"]))
    arch = {"type": "mlp", "widths": [64, p["hidden"], 10]}
    pop = e.add("Population", Train(arch=arch, seeds=p["seeds"], lr=p["lr"], steps=p["steps"]), data)
    barriers = e.add("Barriers", Barriers(points=p["points"]), pop, data)
    classes = e.add("Classes", Classes(c=p["c"]), barriers)
    landscapes = e.add("Landscapes", Landscape(steps=p["grid"], batch=256), pop, data)
    diagrams = e.add("Diagrams", Persistence(), landscapes)
    e.add("Persistence by class", ClassPersistence(), diagrams, classes)
    accuracy = e.add("Accuracy", Evaluate(), pop, data)
    e.add("Claims", ClassSpreads(resamples=p["resamples"]), classes, accuracy)
