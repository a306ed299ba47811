"""Latent inference and the information leak: what a model infers about a hidden variable (linear probes on the
residual stream, against a random-init and a shuffled-label control), what its output gives away (observers of
the next token and of sampled continuations, and a bound in bits), and for two models the change.

``run(model, LatentsConfig(...), compare_with=None) -> LatentsResult``; the probes and observers are in
:mod:`rivalry.latents`, the hidden-variable sets in :mod:`rivalry.variables`.
"""

from .config import LatentsConfig
from .result import LatentsResult
from .run import reading, run

__all__ = ["LatentsConfig", "LatentsResult", "reading", "run"]
