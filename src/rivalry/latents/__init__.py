"""Latent inference and the information leak: linear probes on the residual stream, observers of the output.

- :mod:`.probes`: per-layer probes (scikit-learn, cross-validated regularisation) scored on held-out groups.
- :mod:`.leak`: observers of the next-token distribution and of sampled continuations, and the bits bound.
- :mod:`.sampling`: next-token log-probabilities and seeded continuations.
- :mod:`.controls`: a randomly initialised model of the same architecture.
- :mod:`.bootstrap`: confidence intervals over groups.
"""
