"""``rivalry.attribute``: attribution patching at every position of a forbidden-facts run, and the QK split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import attribute as experiment
from rivalry.experiments.attribute import AttributeConfig, AttributionResult
from rivalry.experiments.forbidden_facts import ForbiddenFactsResult
from rivalry.io.store import RunStore
from rivalry.models.model import Model


def attribute(
    model: Model,
    source_run: str | Path | None = None,
    config: AttributeConfig | None = None,
    *,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    **overrides: Any,
) -> AttributionResult:
    """Score every site at every position of the forbidden-facts run ``source_run`` (its directory) by attribution
    patching from the competing into the non-competing prompts, check a sample against real activation patching,
    and split the top suppressor heads' attention to the forbidden word over upstream components.

    Keyword overrides use the config's field names, e.g. ``rivalry.attribute(lm, "runs/ff", limit=8, qk_fix=False)``.

    Example:
        >>> lm = rivalry.load_model("smollm2-obedient")  # doctest: +SKIP
        >>> result = rivalry.attribute(lm, "runs/main/smollm2-obedient", limit=8)
        >>> result.agreement_qk.spearman, result.ranked_nodes(0, 5), result.qk[0].top_components("key")
    """
    settings = dict(overrides)
    if source_run is not None:
        settings["source_run"] = str(source_run)
    base = config or AttributeConfig(source_run=str(settings.get("source_run", "")) or "?")
    return experiment.run(model, base.replace(**settings), store=store, progress=progress)


__all__ = ["AttributionResult", "ForbiddenFactsResult", "attribute"]
