"""The runs a faithfulness check reads (a forbidden-facts run and, optionally, an attack run), checked up front."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rivalry.errors import RivalryError
from rivalry.experiments.attack.result import AttackResult
from rivalry.experiments.base import load_result
from rivalry.experiments.forbidden_facts.result import ForbiddenFactsResult

if TYPE_CHECKING:
    from rivalry.experiments.faithfulness.config import FaithfulnessConfig


def load_inputs(config: FaithfulnessConfig) -> tuple[ForbiddenFactsResult, AttackResult | None]:
    source = load_result(config.source_run)
    if not isinstance(source, ForbiddenFactsResult) or source.is_empty:
        raise RivalryError(f"{config.source_run} is not a forbidden-facts run that kept facts")
    if not config.attack_run:
        return source, None
    attack = load_result(config.attack_run)
    if not isinstance(attack, AttackResult):
        raise RivalryError(f"{config.attack_run} holds a {attack.KIND} result, not an attack run")
    return source, attack
