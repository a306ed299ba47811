"""Model-agnostic machinery: hooks, positions, decomposition, readout metrics and patching."""
