"""Attribution patching at every position, with its checks and the query-key split of the suppressor heads.

``run(model, AttributeConfig(run=FF_RUN)) -> AttributionResult``; the methods are in :mod:`rivalry.attribution`.
"""

from .config import AttributeConfig
from .result import Agreement, AttributedFact, AttributionResult, ValidationPair
from .run import run
from .source import load_source_run

__all__ = [
    "Agreement",
    "AttributeConfig",
    "AttributedFact",
    "AttributionResult",
    "ValidationPair",
    "load_source_run",
    "run",
]
