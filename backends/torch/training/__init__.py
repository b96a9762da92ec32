"""Training populations: the batched ensemble, the batched optimisers and the Train/Evaluate morphisms."""
