"""The forbidden-facts run an attribution starts from, checked before any model is loaded."""

from __future__ import annotations

from pathlib import Path

from rivalry.errors import RivalryError
from rivalry.experiments.base import load_result
from rivalry.experiments.forbidden_facts.result import ForbiddenFactsResult


def load_source_run(directory: str | Path) -> ForbiddenFactsResult:
    """The forbidden-facts run to attribute; anything else (or a run that kept no fact) is one clear error."""
    result = load_result(directory)
    if not isinstance(result, ForbiddenFactsResult):
        raise RivalryError(f"{directory} holds a {result.KIND} result; attribute needs a forbidden-facts run")
    if result.is_empty:
        raise RivalryError(f"{directory}: the forbidden-facts run kept no fact; nothing to attribute")
    return result
