"""The synthetic genre organisms: ``synthetic-genres`` (a tiny Llama trained on HMM genres whose exact posterior is
known) and ``synthetic-genres-assistant`` (its fine-tune toward an assistant genre with a refusal trope).

``rivalry train-genres`` and ``rivalry tune-genres`` run :func:`train_genre_model` and :func:`tune_genre_model`;
the mechanics (corpus, model, training loop) are in :mod:`rivalry.genres`.
"""

from rivalry.organisms.genres.train import TrainedGenreModel, train_genre_model
from rivalry.organisms.genres.tune import tune_genre_model

__all__ = ["TrainedGenreModel", "train_genre_model", "tune_genre_model"]
