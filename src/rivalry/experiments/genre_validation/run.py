"""Run a genre validation: a synthetic-genre model's posterior against the exact one of the corpus it learnt.

The corpus comes from the model's folder (``synthetic_config.json``, and ``tune_config.json`` for a model tuned
toward the assistant genre, whose corpus is then the tuning corpus), or is given as a generator for a model built
in memory. The numbers are :func:`rivalry.genres.validation.validate`'s.
"""

from __future__ import annotations

from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.experiments.genre_validation.config import GenreValidationConfig
from rivalry.experiments.genre_validation.result import Corpus, GenreValidationResult
from rivalry.genres.synthetic import GenreGenerator
from rivalry.genres.synthetic_models import synthetic_directory, synthetic_generator
from rivalry.genres.validation import validate
from rivalry.models.model import Model, as_model

KIND = GenreValidationResult.KIND


def corpus_of(model: Model) -> Corpus:
    """The corpus a synthetic-genre model was trained (or tuned) on, read from its folder."""
    directory = synthetic_directory(model)
    if directory is None:
        raise RivalryError(
            f"validation needs a synthetic-genre model (synthetic-genres, or a directory holding "
            f"synthetic_config.json); '{model.name}' is not one"
        )
    return Corpus.of(synthetic_generator(directory))


def run(
    model: Model,
    config: GenreValidationConfig,
    generator: GenreGenerator | None = None,
    progress: bool = True,
) -> GenreValidationResult:
    """Compare the model's, the exact and the naive-Bayes genre posteriors on ``config.n_docs`` fresh documents.

    ``generator``: the corpus, for a model that is not a synthetic-genre folder (one built in memory); by default
    the model's own. ``progress`` is accepted for a uniform signature (a validation takes seconds).
    """
    model = as_model(model)
    corpus = corpus_of(model) if generator is None else Corpus.of(generator)
    metrics = validate(
        model.model,
        model.tokenizer,
        corpus.generator(),
        n_docs=config.n_docs,
        seed=config.seed,
        min_tokens=config.min_tokens,
        n_baseline_docs=config.n_baseline_docs,
        batch_docs=config.batch_docs,
    )
    models = {"model": model}
    record = fingerprint(KIND, config, models)
    record["corpus"] = corpus.to_dict()
    return GenreValidationResult(
        config=config,
        provenance=provenance_of(models),
        fingerprint=record,
        corpus=corpus,
        **metrics,  # type: ignore[arg-type]
    )
