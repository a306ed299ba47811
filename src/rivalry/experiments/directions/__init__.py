"""Is a behaviour one direction? ``run(model, DirectionsConfig(...)) -> DirectionsResult``.

Difference-of-means (and probe) directions of a contrast at every residual point, the selected direction ablated
and added against random directions of the same norm, with the KL and non-competing-accuracy costs.
"""

from .config import DirectionsConfig
from .result import DirectionsResult, InterventionRow, LayerRow, ProjectionRow
from .run import build_contrast, run

__all__ = [
    "DirectionsConfig",
    "DirectionsResult",
    "InterventionRow",
    "LayerRow",
    "ProjectionRow",
    "build_contrast",
    "run",
]
