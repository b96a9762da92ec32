"""Data sets as tensors: the offline loaders (digits, MNIST-1D, ...) and the Dataset type."""
