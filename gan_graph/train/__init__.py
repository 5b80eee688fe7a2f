"""Training: the loop, the graphs built from a model description, the runner, the run directory."""
