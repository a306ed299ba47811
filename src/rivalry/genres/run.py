"""Moved: the genre posterior and validation are ``rivalry.experiments.genre_posterior`` / ``genre_validation``;
the synthetic-model helpers are :mod:`rivalry.genres.synthetic_models`. Kept only for the imports of
``base-vs-tuned`` and ``tug-of-war``, which move to ``synthetic_models`` with their own renovation."""

from rivalry.genres.synthetic_models import (
    corpus_tag_genre_set,
    synthetic_directory,
    synthetic_generator,
    synthetic_genre_set,
)

__all__ = ["corpus_tag_genre_set", "synthetic_directory", "synthetic_generator", "synthetic_genre_set"]
