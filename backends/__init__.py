"""Executable realisations of catdyn's categories (the torch backend lives in
:mod:`catdyn.backends.torch` and is imported only when asked for)."""
