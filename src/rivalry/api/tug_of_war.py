"""``rivalry.tug_of_war``: does a refusal or the framing's genre win the continuation of a refusable request?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import tug_of_war as experiment
from rivalry.experiments.tug_of_war import TugOfWarConfig, TugOfWarResult
from rivalry.io.store import RunStore
from rivalry.models.model import Model


def tug_of_war(
    base: Model,
    tuned: Model,
    config: TugOfWarConfig | None = None,
    *,
    store: RunStore | str | Path | None = None,
    progress: bool = True,
    **overrides: Any,
) -> TugOfWarResult:
    """For requests a tuned model refuses, framed plainly and inside fiction, score a refusal r against an in-genre
    continuation s by each model's likelihood: P(refusal) = sigmoid(log P(r | prompt) − log P(s | prompt)), with
    the genre posterior (header method) at the end of the prompt.

    Keyword overrides use the config's field names: ``requests`` (a shipped set's name, ``smollm2`` or
    ``synthetic``, a YAML path or a :class:`~rivalry.experiments.tug_of_war.RequestSet`; by default ``synthetic``
    for a synthetic-genre base, else ``smollm2``) and ``genre_set`` (a shipped name, a YAML path or a
    :class:`rivalry.genres.headers.GenreSet`; by default the request set's). ``store`` makes the run resumable.

    Example:
        >>> base, tuned = rivalry.load_model("synthetic-genres"), rivalry.load_model("synthetic-genres-assistant")
        >>> result = rivalry.tug_of_war(base, tuned)  # doctest: +SKIP
        >>> result.summary[0].p_refusal, result.to_pandas().head()
    """
    config = config or TugOfWarConfig()
    if overrides:
        config = config.replace(**{k: str(v) if isinstance(v, Path) else v for k, v in overrides.items()})
    return experiment.run(base, tuned, config, store=store, progress=progress)
