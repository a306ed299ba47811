"""Suppressor heads: where every head looks (the forbidden word) and what its OV circuit suppresses."""

from rivalry.circuits.measures import HeadStatistics, TokenEffect
from rivalry.experiments.heads.config import HeadsConfig
from rivalry.experiments.heads.result import AttentionMass, ExampleAttention, HeadsResult
from rivalry.experiments.heads.run import run
from rivalry.experiments.heads.select import heads_from_result, top_heads

__all__ = [
    "AttentionMass",
    "ExampleAttention",
    "HeadStatistics",
    "HeadsConfig",
    "HeadsResult",
    "TokenEffect",
    "heads_from_result",
    "run",
    "top_heads",
]
