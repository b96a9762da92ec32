"""Architectures as pure functions of a parameter dict, their declared symmetries, Param and widening."""
