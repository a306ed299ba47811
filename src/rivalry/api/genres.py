"""``rivalry.genre_posterior`` and ``rivalry.validate_genres``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rivalry.experiments import genre_posterior as posterior_experiment
from rivalry.experiments import genre_validation as validation_experiment
from rivalry.experiments.genre_posterior import GenrePosteriorConfig, GenrePosteriorResult
from rivalry.experiments.genre_validation import GenreValidationConfig, GenreValidationResult
from rivalry.genres.headers import GenreSet
from rivalry.genres.synthetic import GenreGenerator
from rivalry.models.model import Model


def genre_posterior(
    model: Model,
    text: str,
    genre_set: str | Path | GenreSet | None = None,
    config: GenrePosteriorConfig | None = None,
    **overrides: Any,
) -> GenrePosteriorResult:
    """``model``'s posterior over genres after every token of ``text``:
    P(g | x_1..t) ∝ P(g) Π_{i≤t} P_model(x_i | header_g, x_<i), every genre in one batched forward pass.

    ``genre_set``: a shipped set's name (``"luigi-wario"``, ``"assistant-vs-fiction"``), a genre-set YAML file or
    a :class:`rivalry.genres.headers.GenreSet`; by default a synthetic-genre model's own tags and
    ``luigi-wario`` for any other model. Other keyword overrides use the config's field names (``chat=True``,
    ``high=0.8``, ``low=0.4``).

    Example:
        >>> lm = rivalry.load_model()  # doctest: +SKIP
        >>> result = rivalry.genre_posterior(lm, "Once upon a time, Luigi helped a lost toad find its way home.")
        >>> result.final(), result.top(), result.to_pandas().tail()
    """
    settings: dict[str, Any] = {"text": text, "text_file": None, **overrides}
    if genre_set is not None:
        settings["genre_set"] = str(genre_set) if isinstance(genre_set, Path) else genre_set
    config = GenrePosteriorConfig.from_dict(settings) if config is None else config.replace(**settings)
    config.check_inputs()
    return posterior_experiment.run(model, config)


def validate_genres(
    model: Model,
    config: GenreValidationConfig | None = None,
    *,
    generator: GenreGenerator | None = None,
    **overrides: Any,
) -> GenreValidationResult:
    """Check a synthetic-genre model's genre posterior against the exact Bayesian posterior of its corpus, on
    ``n_docs`` fresh untagged documents (mean KL(exact || model) and naive Bayes, accuracies, per-word loss).

    The corpus is read from the model's folder (the shipped ``synthetic-genres`` and
    ``synthetic-genres-assistant``, or a folder written by ``rivalry train-genres``/``tune-genres``); for a model
    built in memory, pass its ``generator``. Keyword overrides use the config's field names (``n_docs=64``).

    Example:
        >>> lm = rivalry.load_model("synthetic-genres")  # doctest: +SKIP
        >>> result = rivalry.validate_genres(lm, n_docs=64)
        >>> result.mean_kl_nats_after_20_tokens, result.model_final_accuracy
    """
    config = (config or GenreValidationConfig()).replace(**overrides)
    return validation_experiment.run(model, config, generator=generator)
