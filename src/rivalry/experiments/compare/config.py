"""Settings of a comparison of two forbidden-facts results."""

from __future__ import annotations

from dataclasses import dataclass

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig


@dataclass(frozen=True)
class CompareConfig(ExperimentConfig):
    """How to show a comparison.

    Attributes:
        top: sites shown in the report's chart and table.
    """

    top: int = 30

    def __post_init__(self) -> None:
        if self.top < 1:
            raise RivalryError("top must be at least 1")
