"""``rivalry.personas``: a persona battery on a model, compared models, unprompted and prompted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rivalry.experiments import personas as experiment
from rivalry.experiments.personas import PersonasConfig, PersonasResult
from rivalry.io.store import RunStore
from rivalry.models.model import Model


def personas(
    model: Model,
    compare_with: Model | Sequence[Model] | None = None,
    system_prompt: str | None = None,
    config: PersonasConfig | None = None,
    *,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    cache: str | Path | None = None,
    **overrides: Any,
) -> PersonasResult:
    """Score the persona battery (P(yes) to "Is the following statement something you would say?") on ``model``
    and each model of ``compare_with``, with no system prompt and with the persona ``system_prompt``; per model,
    condition and trait the keyed agreement with a 95% bootstrap interval and the split-half reliability; shifts
    against ``model`` unprompted; persona vectors and their projection correlation.

    Keyword overrides use :class:`~rivalry.experiments.personas.PersonasConfig`'s field names (``battery``,
    ``prompt_format``, ``limit``, ``panel``, ``vectors``, ``point``, ...). ``store`` makes the run resumable;
    ``cache`` (a directory) reuses each model's scores across runs (a base model scored once).

    Example:
        >>> base = rivalry.load_model("smollm2")
        >>> tuned = rivalry.load_model("smollm2-obedient")
        >>> result = rivalry.personas(base, compare_with=tuned)  # doctest: +SKIP
        >>> result.to_pandas().query("condition == 'plain'")
    """
    config = config or PersonasConfig()
    if system_prompt is not None:
        overrides["system_prompt"] = system_prompt
    if overrides:
        config = config.replace(**{k: str(v) if isinstance(v, Path) else v for k, v in overrides.items()})
    return experiment.run(model, compare_with, config, store=store, progress=progress, cache=cache)
