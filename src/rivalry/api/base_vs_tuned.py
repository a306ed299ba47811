"""``rivalry.base_vs_tuned``: what tuning did to a model, measured against its base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import base_vs_tuned as experiment
from rivalry.experiments.base_vs_tuned import BaseVsTunedConfig, BaseVsTunedResult
from rivalry.io.store import RunStore
from rivalry.models.model import Model


def base_vs_tuned(
    base: Model,
    tuned: Model,
    config: BaseVsTunedConfig | None = None,
    *,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    **overrides: Any,
) -> BaseVsTunedResult:
    """Compare ``tuned`` with its ``base`` (same tokenizer): prior shift on neutral texts (mean KL(base ‖ tuned)),
    mode collapse (exact answer distributions of closed questions), diversity of sampled answers (EAD-n) and the
    genre-posterior shift.

    Keyword overrides use the config's field names (``samples=16``, ``seed=0``, ``genre_set="luigi-wario"``; a
    genre set may be a shipped name, a YAML path or a :class:`rivalry.genres.headers.GenreSet`, neutral texts a
    YAML path or a mapping of genre to texts). For the synthetic pair (``synthetic-genres`` vs
    ``synthetic-genres-assistant``) the defaults are the synthetic analogues: stored generator texts, questions
    in the assistant genre's format and the corpus tags. ``store`` (a directory or a
    :class:`rivalry.io.RunStore`) makes the run resumable.

    Example:
        >>> base, tuned = rivalry.load_model("synthetic-genres"), rivalry.load_model("synthetic-genres-assistant")
        >>> result = rivalry.base_vs_tuned(base, tuned, samples=16)  # doctest: +SKIP
        >>> result.prior_shift, result.diversity_mean, result.to_pandas("mode_collapse").head()
    """
    config = config or BaseVsTunedConfig()
    if overrides:
        config = config.replace(**{k: str(v) if isinstance(v, Path) else v for k, v in overrides.items()})
    return experiment.run(base, tuned, config, store=store, progress=progress)
