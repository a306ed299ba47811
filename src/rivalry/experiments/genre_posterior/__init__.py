"""Genre posterior: a model's token-by-token posterior over what kind of text it is reading."""

from rivalry.experiments.genre_posterior.config import GenrePosteriorConfig
from rivalry.experiments.genre_posterior.result import GenrePosteriorResult, GenreReversal
from rivalry.experiments.genre_posterior.run import default_genre_set, run

__all__ = ["GenrePosteriorConfig", "GenrePosteriorResult", "GenreReversal", "default_genre_set", "run"]
