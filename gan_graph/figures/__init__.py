"""The tutorials' figures, drawn from a run directory."""
