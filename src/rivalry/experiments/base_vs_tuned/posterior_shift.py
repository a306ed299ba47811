"""Genre-posterior shift: the base's and the tuned model's genre posteriors (header method) on the same texts.

For every text x of a genre's neutral texts and every model, the posterior after the whole text,

    P(g | x) ∝ P(g) Π_i P_model(x_i | h_g, x_<i)

with the genre set's prior, averaged over the genre's texts; and, where every header is one token after the
model's BOS (the synthetic models' tags), the same with the model's **own** prior over headers,
P_model(h_g | <bos>) renormalised over the genres: how much of the model's probability goes to opening a document
of each genre. Tuning that makes one genre the default shows up in that prior first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from jaxtyping import Float

from rivalry.genres.headers import GenreSet
from rivalry.genres.posterior import encode_headers, encode_text, log_posterior_from_likelihoods, text_log_likelihoods
from rivalry.models.model import Model


@dataclass(frozen=True)
class PosteriorShiftRow:
    """One model's mean genre posterior over one genre's texts, under one prior (``set prior`` or ``own prior``)."""

    text_genre: str
    model: str  # the role: base or tuned
    model_name: str
    prior: str
    n_texts: int
    posterior: Mapping[str, float]  # after the whole text
    posterior_early: Mapping[str, float]  # after the first ``early_tokens`` tokens

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "posterior": dict(self.posterior), "posterior_early": dict(self.posterior_early)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PosteriorShiftRow:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class GenrePosteriorShift:
    """Both models' genre posteriors on the neutral texts; ``genre_set`` as ``GenreSet.to_dict()`` (normalised
    priors); ``own_prior`` per role, None where the headers are not single tokens after BOS."""

    genre_set: Mapping[str, Any]
    early_tokens: int
    own_prior: Mapping[str, Mapping[str, float] | None]
    rows: tuple[PosteriorShiftRow, ...]

    @property
    def genre_names(self) -> list[str]:
        return [g["name"] for g in self.genre_set["genres"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "genre_set": self.genre_set,
            "early_tokens": self.early_tokens,
            "own_prior": {role: None if p is None else dict(p) for role, p in self.own_prior.items()},
            "rows": [r.to_dict() for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenrePosteriorShift:
        return cls(
            genre_set=data["genre_set"],
            early_tokens=data["early_tokens"],
            own_prior=data["own_prior"],
            rows=tuple(PosteriorShiftRow.from_dict(r) for r in data["rows"]),
        )


def own_header_prior(lm: Model, headers: Sequence[Sequence[int]]) -> Float[torch.Tensor, " genre"] | None:
    """P_model(h_g | <bos>) renormalised over the genres, if every header is ``<bos> token``; else None."""
    bos = lm.tokenizer.bos_token_id
    if bos is None or any(len(h) != 2 or h[0] != bos for h in headers):
        return None
    device = lm.device
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([[bos]], device=device)).logits[0, -1].float().cpu()
    picked = torch.log_softmax(logits, -1)[[h[1] for h in headers]].double()
    return torch.softmax(picked, 0)


def header_likelihoods(lm: Model, genre_set: GenreSet, texts: Sequence[str]) -> list[Float[torch.Tensor, "genre seq"]]:
    """log P(x_t | h_g, x_<t) of every text (one batched pass over the genres per text)."""
    tok = lm.tokenizer
    headers = encode_headers(tok, genre_set.headers)
    pad = 0 if tok.pad_token_id is None else int(tok.pad_token_id)
    return [
        text_log_likelihoods(lm.model, headers, torch.tensor([encode_text(tok, text)]), pad_token_id=pad)[0]
        for text in texts
    ]


def posteriors_at(
    likelihoods: Sequence[Float[torch.Tensor, "genre seq"]],
    prior: Float[torch.Tensor, " genre"],
    after: int | None = None,
) -> Float[torch.Tensor, "text genre"]:
    """P(g | x_1..t) for each text, t = ``after`` tokens (capped at the text's length; None: the whole text)."""
    rows = []
    for lik in likelihoods:
        column = -1 if after is None else min(after, lik.shape[-1]) - 1
        rows.append(log_posterior_from_likelihoods(lik, prior)[:, column].exp())
    return torch.stack(rows)


def genre_posterior_shift(
    base: Model, tuned: Model, texts: Mapping[str, Sequence[str]], genre_set: GenreSet, early: int = 4
) -> GenrePosteriorShift:
    """Per text genre and model: the mean posterior over ``genre_set`` after each whole text and after its first
    ``early`` tokens (where the prior still counts), with the set's prior and (where defined) with the model's own
    header prior; plus those own priors."""
    set_prior = torch.tensor(genre_set.prior(), dtype=torch.float64)
    models = {"base": base, "tuned": tuned}
    own = {role: own_header_prior(lm, encode_headers(lm.tokenizer, genre_set.headers)) for role, lm in models.items()}
    rows = []
    for genre, items in texts.items():
        for role, lm in models.items():
            own_prior = own[role]
            priors = {"set prior": set_prior} | ({"own prior": own_prior} if own_prior is not None else {})
            likelihoods = header_likelihoods(lm, genre_set, items)
            for prior_name, prior in priors.items():
                post = posteriors_at(likelihoods, prior).mean(0)
                first = posteriors_at(likelihoods, prior, after=early).mean(0)
                rows.append(
                    PosteriorShiftRow(
                        text_genre=genre,
                        model=role,
                        model_name=lm.name,
                        prior=prior_name,
                        n_texts=len(items),
                        posterior=dict(zip(genre_set.names, post.tolist(), strict=True)),
                        posterior_early=dict(zip(genre_set.names, first.tolist(), strict=True)),
                    )
                )
    return GenrePosteriorShift(
        genre_set=genre_set.to_dict(),
        early_tokens=early,
        own_prior={
            role: None if p is None else dict(zip(genre_set.names, p.tolist(), strict=True)) for role, p in own.items()
        },
        rows=tuple(rows),
    )
