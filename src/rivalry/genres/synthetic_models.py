"""Synthetic-genre model folders: recognising one, and the corpus and genre tags it was trained on.

A folder holding ``synthetic_config.json`` (written by :func:`rivalry.genres.train.save_synthetic_model`) is a
synthetic-genre model; one that also holds ``tune_config.json`` was tuned toward the assistant genre, and its
corpus is the tuning corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

from rivalry.genres.headers import Genre, GenreSet
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig
from rivalry.genres.train import SYNTHETIC_CONFIG_FILE
from rivalry.genres.tune import tuned_generator
from rivalry.models.loading import NAMED_MODELS
from rivalry.models.model import Model


def synthetic_directory(model: str | Path | Model) -> Path | None:
    """The folder of ``model`` if it is a synthetic-genre model, else None.

    ``model`` is a named model (``synthetic-genres``), a directory, or a loaded :class:`Model` (its resolved
    source folder; a model with an adapter merged in is not the folder's model, so it gives None).
    """
    if isinstance(model, Model):
        if model.provenance.adapter_sha256 is not None:
            return None
        path = Path(model.provenance.source)
    elif str(model) in NAMED_MODELS:
        path = NAMED_MODELS[str(model)].base()
    else:
        path = Path(model).expanduser()
    return path if (path / SYNTHETIC_CONFIG_FILE).is_file() else None


def synthetic_config(directory: Path) -> SyntheticConfig:
    """The corpus settings saved with the synthetic model in ``directory``."""
    return SyntheticConfig.from_dict(json.loads((directory / SYNTHETIC_CONFIG_FILE).read_text()))


def synthetic_generator(directory: Path) -> GenreGenerator:
    """The generator the synthetic model in ``directory`` was trained on (from its ``synthetic_config.json``), or
    for a model tuned toward the assistant genre (a ``tune_config.json`` beside it) its tuning corpus."""
    tuned = tuned_generator(directory)
    if tuned is not None:
        return tuned
    return GenreGenerator(synthetic_config(directory))


def synthetic_genre_set(generator: GenreGenerator) -> GenreSet:
    """The synthetic model's own genres: headers are its tags (``<hero>``, ...), priors the generator's."""
    pairs = zip(generator.tags, generator.prior, strict=True)
    genres = tuple(Genre(name=tag.strip("<>"), header=tag, prior=float(p)) for tag, p in pairs)
    return GenreSet(name="synthetic-tags", genres=genres, description="the synthetic corpus's genre tags")


def corpus_tag_genre_set(directory: Path) -> GenreSet:
    """The tags of the base corpus of the synthetic model in ``directory`` with the base corpus's (uniform) prior:
    the same hypotheses for a base model and its tune, whatever corpus the tune was trained on."""
    return synthetic_genre_set(GenreGenerator(synthetic_config(directory)))
