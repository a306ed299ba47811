"""California-style attacks: system-prompt insertions found by searching what the suppressor heads attend to."""

from rivalry.experiments.attack.config import AttackConfig
from rivalry.experiments.attack.result import (
    AttackResult,
    AttackRow,
    AttackSummary,
    RankAgreement,
    SearchRow,
    ShortlistWord,
)
from rivalry.experiments.attack.run import run

__all__ = [
    "AttackConfig",
    "AttackResult",
    "AttackRow",
    "AttackSummary",
    "RankAgreement",
    "SearchRow",
    "ShortlistWord",
    "run",
]
