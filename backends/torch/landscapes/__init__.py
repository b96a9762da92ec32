"""Loss landscapes: grids around a minimum along chosen directions, and sharpness."""
