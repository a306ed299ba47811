"""Run a genre posterior: score one text after every genre's header in one batched forward pass.

    P(g | x_1..t) ∝ P(g) Π_{i<=t} P_model(x_i | header_g, x_<i)

(:func:`rivalry.genres.posterior.genre_posterior`). The genre set is the config's (a shipped name, a YAML file or
an inline :class:`GenreSet`), or by default a synthetic-genre model's own tags and ``luigi-wario`` for any other.
"""

from __future__ import annotations

import torch

from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.experiments.genre_posterior.config import GenrePosteriorConfig
from rivalry.experiments.genre_posterior.result import GenrePosteriorResult
from rivalry.genres.headers import DEFAULT_GENRE_SET, GenreSet, builtin_genre_set
from rivalry.genres.posterior import encode_headers, encode_text, genre_posterior
from rivalry.genres.synthetic_models import synthetic_directory, synthetic_generator, synthetic_genre_set
from rivalry.models.model import Model, as_model

KIND = GenrePosteriorResult.KIND


def default_genre_set(model: Model) -> GenreSet:
    """A synthetic-genre model's own tags (with its corpus's prior); ``luigi-wario`` for any other model."""
    directory = synthetic_directory(model)
    if directory is not None:
        return synthetic_genre_set(synthetic_generator(directory))
    return builtin_genre_set(DEFAULT_GENRE_SET)


def chat_text(model: Model, text: str) -> str:
    """``text`` as a user turn in the model's chat template (the headers then precede the whole conversation)."""
    if not getattr(model.tokenizer, "chat_template", None):
        raise RivalryError(f"model '{model.name}' has no chat template; drop --chat (chat=False)")
    return str(model.tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False))


def run(model: Model, config: GenrePosteriorConfig, progress: bool = True) -> GenrePosteriorResult:
    """The genre posterior of ``config``'s text under ``model``, after every token (one forward pass, no store:
    there is nothing to resume). ``progress`` is accepted for a uniform signature; there is no bar to draw."""
    model = as_model(model)
    text = config.read_text()
    genre_set = config.named_genre_set() or default_genre_set(model)
    if config.chat:
        text = chat_text(model, text)
    tokenizer = model.tokenizer
    token_ids = encode_text(tokenizer, text)
    if not token_ids:
        raise RivalryError("the text has no tokens")
    headers = encode_headers(tokenizer, genre_set.headers)
    for genre, ids in zip(genre_set.genres, headers, strict=True):
        if not ids:
            raise RivalryError(f"the header of genre '{genre.name}' has no tokens")
    prior = torch.tensor(genre_set.prior(), dtype=torch.float64)
    log_post = genre_posterior(model.model, headers, token_ids, prior=prior, tokenizer=tokenizer)
    unk = tokenizer.unk_token_id
    return GenrePosteriorResult(
        config=config,
        provenance=provenance_of({"model": model}),
        fingerprint=fingerprint(KIND, config, {"model": model}),
        genre_set=genre_set,
        text=text,
        token_ids=tuple(token_ids),
        tokens=tuple(str(tokenizer.decode([i])) for i in token_ids),
        log_posterior=log_post,
        unknown_tokens=sum(1 for i in token_ids if unk is not None and i == unk),
    )
