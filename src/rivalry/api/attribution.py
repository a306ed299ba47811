"""``rivalry.attribute`` (attribution patching at every position, QK split) and ``rivalry.faithfulness``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import attribute as experiment
from rivalry.experiments import faithfulness as faithfulness_experiment
from rivalry.experiments.attribute import AttributeConfig, AttributionResult
from rivalry.experiments.faithfulness import FaithfulnessConfig, FaithfulnessResult
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


def faithfulness(
    model: Model,
    source_run: str | Path | None = None,
    attack_run: str | Path | None = None,
    config: FaithfulnessConfig | None = None,
    *,
    progress: bool = True,
    **overrides: Any,
) -> FaithfulnessResult:
    """How faithful the forbidden-facts run ``source_run``'s description is: the top-k circuit (everything else
    mean-ablated at the predicting position) against the full model per fact, and attack success in the attack run
    ``attack_run`` predicted from the description (AUROC, against a clean-odds baseline).

    Example:
        >>> result = rivalry.faithfulness(lm, "runs/ff", "runs/attack")  # doctest: +SKIP
        >>> result.circuit_correlation, result.recovered_by_k, result.attack_auroc, result.baseline_auroc
    """
    settings = dict(overrides)
    if source_run is not None:
        settings["source_run"] = str(source_run)
    if attack_run is not None:
        settings["attack_run"] = str(attack_run)
    base = config or FaithfulnessConfig(source_run="?")
    return faithfulness_experiment.run(model, base.replace(**settings), progress=progress)


__all__ = ["AttributionResult", "FaithfulnessResult", "ForbiddenFactsResult", "attribute", "faithfulness"]
