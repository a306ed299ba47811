"""``rivalry.heads``: where every head looks and what it suppresses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import heads as experiment
from rivalry.experiments.forbidden_facts import ForbiddenFactsResult
from rivalry.experiments.heads import HeadsConfig, HeadsResult
from rivalry.experiments.heads.select import load_forbidden_facts
from rivalry.models.model import Model


def heads(
    model: Model,
    forbidden_facts_result: ForbiddenFactsResult | str | Path | None = None,
    config: HeadsConfig | None = None,
    *,
    progress: bool = True,
    **overrides: Any,
) -> HeadsResult:
    """Attention on the forbidden word and OV suppression of every head of ``model``, the top heads in detail.

    The top heads are the most suppressive heads of ``forbidden_facts_result`` (a result or its directory) when
    given, else those that look at the forbidden word and suppress what they look at. Keyword overrides use the
    config's field names, e.g. ``rivalry.heads(lm, ff, split="heldout", limit=16, n_top=5)``.

    Example:
        >>> lm = rivalry.load_model("smollm2-obedient")  # doctest: +SKIP
        >>> result = rivalry.heads(lm, rivalry.forbidden_facts(lm, split="heldout"), n_top=5)
        >>> result.top_heads[0], result.attention_mass, result.to_pandas().head()
    """
    config = (config or HeadsConfig()).replace(**overrides)
    source: ForbiddenFactsResult | None = None
    run_dir = None
    if forbidden_facts_result is not None:
        source = load_forbidden_facts(forbidden_facts_result, "forbidden_facts_result")
        run_dir = None if source is forbidden_facts_result else str(forbidden_facts_result)
    return experiment.run(model, config, source, run_dir=run_dir, progress=progress)
