"""``rivalry.forbidden_facts`` and ``rivalry.compare``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import compare as compare_experiment
from rivalry.experiments import forbidden_facts as experiment
from rivalry.experiments.compare import CompareConfig, ComparisonResult
from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig, ForbiddenFactsResult
from rivalry.io.store import RunStore
from rivalry.models.model import Model


def forbidden_facts(
    model: Model,
    config: ForbiddenFactsConfig | None = None,
    *,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    **overrides: Any,
) -> ForbiddenFactsResult:
    """Measure, decompose and rank how ``model`` handles a system prompt forbidding the correct answer.

    Keyword overrides use the config's field names, e.g. ``rivalry.forbidden_facts(lm, split="heldout", limit=8)``.
    ``store`` (a directory or a :class:`rivalry.io.RunStore`) makes the run resumable: finished batches are
    kept there and a rerun reads them back; a store holding another model's or config's run is refused.

    Example:
        >>> lm = rivalry.load_model("smollm2-obedient")  # doctest: +SKIP
        >>> result = rivalry.forbidden_facts(lm, split="heldout", limit=32)
        >>> result.sites[:3], result.k_for_fraction[0.8], result.to_pandas().head()
    """
    config = (config or ForbiddenFactsConfig()).replace(**overrides) if overrides else config or ForbiddenFactsConfig()
    return experiment.run(model, config, store=store, progress=progress)


def compare(
    result_a: ForbiddenFactsResult,
    result_b: ForbiddenFactsResult,
    config: CompareConfig | None = None,
    **overrides: Any,
) -> ComparisonResult:
    """How every site's first-order effect changed from ``result_a`` (e.g. the base model) to ``result_b``."""
    config = (config or CompareConfig()).replace(**overrides)
    return compare_experiment.run(result_a, result_b, config)
