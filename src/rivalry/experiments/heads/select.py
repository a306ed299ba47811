"""Choosing the heads to study: from a finished result, or by attention to the forbidden word and OV suppression."""

from __future__ import annotations

from pathlib import Path

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.experiments.base import Result, load_result
from rivalry.experiments.forbidden_facts.result import ForbiddenFactsResult
from rivalry.experiments.heads.result import HeadsResult


def load_source(source: Result | str | Path, what: str, kinds: tuple[type[Result], ...]) -> Result:
    """``source`` itself, or the result saved in that directory, if it is one of ``kinds`` (else one clear error).

    Reads only the result's files, so a bad directory fails at once, before any model is loaded.
    """
    names = " or ".join(k.KIND.replace("_", "-") for k in kinds)
    if isinstance(source, kinds):
        return source
    if not isinstance(source, str | Path):
        raise RivalryError(f"{what}: expected a {names} result or its directory, got {type(source).__name__}")
    if not Path(source).is_dir():
        raise RivalryError(f"{what}: run directory not found: {source}")
    loaded = load_result(source)
    if not isinstance(loaded, kinds):
        raise RivalryError(f"{what} {source}: holds a {loaded.KIND} result, not a {names} run")
    return loaded


def load_forbidden_facts(source: ForbiddenFactsResult | str | Path, what: str) -> ForbiddenFactsResult:
    """``source`` itself, or the forbidden-facts result saved in that directory (see :func:`load_source`)."""
    loaded = load_source(source, what, (ForbiddenFactsResult,))
    assert isinstance(loaded, ForbiddenFactsResult)
    return loaded


def heads_from_result(source: Result, k: int, where: str = "") -> list[Site]:
    """The top ``k`` heads of a finished result.

    A :class:`ForbiddenFactsResult`: the heads with the most negative mean first-order effect (they suppress the
    answer when it is forbidden). A :class:`HeadsResult`: its ``top_heads``. An empty forbidden-facts result
    (no fact kept) or one without head sites is refused; ``where`` prefixes the error (e.g. the directory).
    """
    prefix = f"{where}: " if where else ""
    if isinstance(source, HeadsResult):
        return [h.site for h in source.top_heads[:k]]
    if not isinstance(source, ForbiddenFactsResult):
        raise RivalryError(f"{prefix}expected a forbidden-facts result, got a {source.KIND} result")
    if source.is_empty:
        raise RivalryError(f"{prefix}{source.undefined_reason}; no heads to choose from")
    heads = [s.site for s in source.sites if s.site.kind == "head"]
    if not heads:
        raise RivalryError(f"{prefix}the forbidden-facts result has no head sites")
    return heads[:k]


def top_heads(scores: Float[Tensor, "layer head"], k: int) -> list[Site]:
    """The ``k`` heads with the highest scores, best first."""
    n_heads = scores.shape[1]
    order = torch.argsort(scores.flatten(), descending=True)[:k]
    return [Site(int(i) // n_heads, "head", int(i) % n_heads) for i in order]
