"""``rivalry.latents``: what a model infers about a hidden variable, and what its output gives away."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import latents as experiment
from rivalry.experiments.latents import LatentsConfig, LatentsResult
from rivalry.genres.synthetic import GenreGenerator
from rivalry.io.store import RunStore
from rivalry.models.model import Model


def latents(
    model: Model,
    compare_with: Model | None = None,
    variable: str | Path | None = None,
    config: LatentsConfig | None = None,
    *,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    generator: GenreGenerator | None = None,
    **overrides: Any,
) -> LatentsResult:
    """Linear probes of a hidden variable at every residual point, scored on held-out groups against a
    random-init and a shuffled-label control; observers of the next token and of sampled continuations with the
    bound I(label; output) >= H(label) - CE(observer) in bits; with ``compare_with``, both models side by side,
    paired bootstrap changes (``model`` minus ``compare_with``: pass the tuned model first) and the reading
    (hidden / destroyed / exposed / unchanged).

    ``variable``: ``"forbidden"``, ``"genre"`` (a synthetic-genre model), ``"eval-deploy"``, ``"persona"`` or a
    CSV/YAML file (columns text, label, group keys). Keyword overrides use the config's field names
    (``limit=40``, ``n_bootstrap=200``, ``output_leak=False``, ...). ``store`` makes the run resumable.

    Example:
        >>> tuned, base = rivalry.load_model("smollm2-obedient"), rivalry.load_model("smollm2")  # doctest: +SKIP
        >>> result = rivalry.latents(tuned, compare_with=base, variable="forbidden", limit=40)
        >>> result.best("model")["probe_auroc"], result.comparison["reading_text"]
    """
    config = config or LatentsConfig()
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in overrides.items()}
    if variable is not None:
        settings["variable"] = str(variable)
    config = config.replace(**settings)
    return experiment.run(model, config, compare_with=compare_with, store=store, progress=progress, generator=generator)
