"""Genre validation: a synthetic-genre model's genre posterior against the exact Bayesian posterior."""

from rivalry.experiments.genre_validation.config import GenreValidationConfig
from rivalry.experiments.genre_validation.result import Corpus, GenreValidationResult
from rivalry.experiments.genre_validation.run import corpus_of, run

__all__ = ["Corpus", "GenreValidationConfig", "GenreValidationResult", "corpus_of", "run"]
