"""Jailbreak tug-of-war: does a refusal or the framing's genre win the continuation of a refusable request?

``run(base, tuned, TugOfWarConfig(...)) -> TugOfWarResult``; request sets and the scoring of one continuation are
in :mod:`.requests` (shipped sets in ``rivalry/data/tug_of_war/``).
"""

from .config import TugOfWarConfig
from .requests import (
    Framing,
    Request,
    RequestSet,
    builtin_request_sets,
    continuation_log_prob,
    load_request_set,
    render_framing,
)
from .result import FramingMean, TugOfWarResult, TugRow
from .run import run

__all__ = [
    "Framing",
    "FramingMean",
    "Request",
    "RequestSet",
    "TugOfWarConfig",
    "TugOfWarResult",
    "TugRow",
    "builtin_request_sets",
    "continuation_log_prob",
    "load_request_set",
    "render_framing",
    "run",
]
