"""Where and how torch work runs: the device choice and the pool of CPU worker processes."""
