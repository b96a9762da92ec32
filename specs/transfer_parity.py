"""Transfer across parity: a source trained on the even digits, a target of the odd ones. The
fibre product over Rep and the pullback along an optimal-transport map, each against
fine-tuning, at 5 labels per class; composed only of published morphisms:

    1 --TransferSplits(even → odd)--> Task --TrainSource--> Source --FreshHead--> Start
    Source × Start × Task --FibreSolve--> Fibre (the pullback of RealiseOnProbe, RealiseOnProbe)
    Fibre --π_left--> Fibre.left, --π_right--> Fibre.right;  the square
        RealiseOnProbe(Fibre.left) = RealiseOnProbe(Fibre.right), checked within 0.05 per entry
    Fibre.right × Source × Task --EvaluateTransfer--> Runs fibre
    Task --FitDomainMap(ot)--> Map;  Map × Source × Task --HeadOnPullback--> Runs pullback_ot
    Source × Task --Tune[finetune]--> Runs finetune
    Runs … --Summarise--> All --TransferClaims--> Claims fibre, Claims pullback_ot
"""

from catdyn import Cospan, experiment
from catdyn.backends.torch.transfer.domain_morphisms import FitDomainMap, HeadOnPullback
from catdyn.backends.torch.transfer.morphisms import (
    EvaluateTransfer,
    FibreSolve,
    FreshHead,
    RealiseOnProbe,
    TrainSource,
    TransferSplits,
    Tune,
)
from catdyn.backends.torch.transfer.readouts import Summarise, TransferClaims

SMOKE = {"seeds": (0, 1), "labels": (5,), "steps": 100, "hidden": (64, 64), "probe": 64}
FULL = {"seeds": (0, 1, 2, 3, 4), "labels": (1, 5, 20), "steps": 300, "hidden": (256, 256), "probe": 256}


@experiment(name="transfer-parity", seed=0, presets={"smoke": SMOKE, "full": FULL})
def parity(e, p):
    """Even digits → odd digits: the fibre product and the OT pullback against fine-tuning."""
    task = e.add("Task", TransferSplits(source_classes=(0, 2, 4, 6, 8), target_classes=(1, 3, 5, 7, 9),
                                        seeds=p["seeds"], labels=p["labels"], probe_size=p["probe"]))
    source = e.add("Source", TrainSource(hidden=p["hidden"], steps=2 * p["steps"]), task)
    start = e.add("Start", FreshHead(), source, task)
    fibre = e.pullback("Fibre", Cospan(RealiseOnProbe(), RealiseOnProbe()), at=(source, start), using=(task,),
                       solve=FibreSolve(steps=p["steps"], rounds=3), atol=0.05)
    runs = [e.add("Runs fibre", EvaluateTransfer(method="fibre"), fibre.right, source, task),
            e.add("Runs pullback_ot", HeadOnPullback(steps=p["steps"]), e.add("Map", FitDomainMap(kind="ot"), task),
                  source, task),
            e.add("Runs finetune", Tune(method="finetune", steps=p["steps"]), source, task)]
    every = e.add("All runs", Summarise(), *runs)
    for pullback in ("fibre", "pullback_ot"):
        e.add(f"Claims {pullback}", TransferClaims(pullback=pullback), every)
