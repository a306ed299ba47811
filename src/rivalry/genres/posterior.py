"""A language model's posterior over genre hypotheses, token by token, from its own likelihoods.

Each genre g is a header h_g (a tag, or a sentence such as "The following is a children's story about a kind
hero named Luigi."). With the text x = x_1..x_T,

    log P(g | x_1..t) = log P(g) + sum_{i<=t} log P_model(x_i | h_g, x_<i) - logsumexp_g'(same for g')

All genres are scored in one batched forward pass: row g is h_g followed by the text, left-padded so that the
text occupies the same last T columns of every row; position ids count real tokens only, so padding changes
nothing. Works with any Hugging Face causal LM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import torch
from jaxtyping import Float, Int
from torch import Tensor
from transformers import PreTrainedTokenizerBase

from rivalry.core.positions import position_ids_from_mask
from rivalry.errors import RivalryError
from rivalry.models.model import Model

TokenIds = Sequence[int] | Int[Tensor, " seq"]


def encode_headers(tokenizer: PreTrainedTokenizerBase, headers: Sequence[str]) -> list[list[int]]:
    """Token ids of each header, with the tokenizer's special tokens (a BOS where the model uses one)."""
    return [list(tokenizer(header, add_special_tokens=True).input_ids) for header in headers]


def encode_text(tokenizer: PreTrainedTokenizerBase, text: str) -> list[int]:
    """Token ids of the text without special tokens (it continues a header)."""
    return list(tokenizer(text, add_special_tokens=False).input_ids)


@torch.no_grad()
def text_log_likelihoods(
    model: torch.nn.Module,
    headers: Sequence[TokenIds],
    texts: Int[Tensor, "text seq"],
    pad_token_id: int = 0,
) -> Float[Tensor, "text genre seq"]:
    """log P_model(x_t | h_g, x_<t) for every text of the batch, every header g and every text position t.

    One forward pass over ``text * genre`` rows (header + text, left-padded); float32 log-softmax.
    """
    texts = torch.as_tensor(texts, dtype=torch.long)
    if texts.ndim != 2 or texts.shape[1] == 0:
        raise RivalryError(f"texts must have shape [text, seq] with seq >= 1, got {tuple(texts.shape)}")
    header_ids = [torch.as_tensor(h, dtype=torch.long).flatten() for h in headers]
    if not header_ids or any(h.numel() == 0 for h in header_ids):
        raise RivalryError("need at least one genre, and every header needs a token (it predicts the text's first)")
    n_text, seq = texts.shape
    n_genre, width = len(header_ids), max(h.numel() for h in header_ids)
    prefix = torch.full((n_genre, width), pad_token_id, dtype=torch.long)
    prefix_mask = torch.zeros((n_genre, width), dtype=torch.long)
    for g, h in enumerate(header_ids):
        prefix[g, width - h.numel() :] = h
        prefix_mask[g, width - h.numel() :] = 1
    # rows ordered (text, genre): row i * n_genre + g
    ids = torch.cat([prefix.repeat(n_text, 1), texts.repeat_interleave(n_genre, dim=0)], dim=1)
    mask = torch.cat([prefix_mask.repeat(n_text, 1), torch.ones((n_text * n_genre, seq), dtype=torch.long)], dim=1)
    device = next(model.parameters()).device
    logits = model(
        input_ids=ids.to(device), attention_mask=mask.to(device), position_ids=position_ids_from_mask(mask).to(device)
    ).logits
    # column width-1+i predicts text token i
    log_probs = torch.log_softmax(logits[:, width - 1 : width - 1 + seq].float(), dim=-1)
    target = ids[:, width:].to(device)
    picked = log_probs.gather(-1, target[..., None])[..., 0]
    return picked.reshape(n_text, n_genre, seq).cpu()


def log_posterior_from_likelihoods(
    token_log_likelihoods: Float[Tensor, "*batch genre seq"], prior: Float[Tensor, " genre"] | None = None
) -> Float[Tensor, "*batch genre seq"]:
    """log P(g | x_1..t) from per-token log-likelihoods: prior plus cumulative sum, normalised over genres."""
    n_genre = token_log_likelihoods.shape[-2]
    if prior is None:
        log_prior = torch.full((n_genre,), -torch.log(torch.tensor(float(n_genre))).item())
    else:
        prior = torch.as_tensor(prior, dtype=torch.float64)
        if prior.shape != (n_genre,) or bool((prior < 0).any()):
            raise RivalryError(f"prior must be {n_genre} non-negative weights")
        log_prior = torch.log(prior / prior.sum())
    joint = token_log_likelihoods.double().cumsum(-1) + log_prior[:, None]
    return (joint - torch.logsumexp(joint, dim=-2, keepdim=True)).float()


def genre_posterior(
    model: Model | torch.nn.Module,
    headers: Sequence[TokenIds] | Sequence[str],
    text: TokenIds | str,
    prior: Float[Tensor, " genre"] | None = None,
    tokenizer: PreTrainedTokenizerBase | None = None,
) -> Float[Tensor, "genre seq"]:
    """Log-posterior over genres after each text token: column t-1 holds log P(g | x_1..t).

    ``model`` is a :class:`rivalry.Model` (its tokenizer is the default ``tokenizer``) or a bare causal LM module.
    ``headers`` and ``text`` are token ids, or strings encoded with ``tokenizer`` (headers with special tokens,
    the text without). ``prior`` defaults to uniform. One batched forward pass over all genres.
    (:func:`rivalry.genre_posterior` is the experiment around this: genre sets, reversibility, a saved result.)

    Example::

        lm = rivalry.load_model("synthetic-genres")
        log_post = genre_posterior(lm, ["<hero>", "<twin>"], "luigi said : thank you .")
        log_post.exp()[:, -1]   # P(genre | whole text)
    """
    if isinstance(model, Model):
        tokenizer = tokenizer or model.tokenizer
        model = model.model
    if isinstance(text, str) or any(isinstance(h, str) for h in headers):
        if tokenizer is None:
            raise RivalryError("headers or text given as strings: pass the tokenizer")
        headers = [encode_headers(tokenizer, [h])[0] if isinstance(h, str) else h for h in headers]
        text = encode_text(tokenizer, text) if isinstance(text, str) else text
    pad = 0 if tokenizer is None or tokenizer.pad_token_id is None else int(tokenizer.pad_token_id)
    text_ids = torch.as_tensor(text, dtype=torch.long).flatten()[None]
    likelihoods = text_log_likelihoods(model, cast(Sequence[Sequence[int]], headers), text_ids, pad_token_id=pad)[0]
    return log_posterior_from_likelihoods(likelihoods, prior)


@dataclass(frozen=True)
class Reversibility:
    """How often a genre's posterior, once confident, is given up again.

    Attributes:
        crossed: per genre, the number of trajectories whose posterior reached ``high``.
        reversed: per genre, how many of those later fell below ``low``.
        events: per genre, the number of excursions from >= ``high`` down to < ``low`` (a trajectory can
            reverse more than once).
        rate: reversed / crossed (nan where no trajectory crossed).
        high, low: the thresholds used.
    """

    crossed: Int[Tensor, " genre"]
    reversed: Int[Tensor, " genre"]
    events: Int[Tensor, " genre"]
    rate: Float[Tensor, " genre"]
    high: float
    low: float


def reversibility(
    log_posterior: Float[Tensor, "*batch genre seq"], high: float = 0.9, low: float = 0.5
) -> Reversibility:
    """Per genre: once P(g | x_1..t) >= ``high``, how often it later drops below ``low``.

    ``log_posterior`` is one trajectory [genre, seq] (as returned by ``genre_posterior``) or a batch of them.
    """
    if not 0.0 < low < high <= 1.0:
        raise RivalryError("need 0 < low < high <= 1")
    probs = log_posterior.exp()
    probs = probs.reshape(-1, *probs.shape[-2:])  # [trajectory, genre, seq]
    crossed = torch.zeros(probs.shape[:2], dtype=torch.bool)
    reversed_ = torch.zeros(probs.shape[:2], dtype=torch.bool)
    events = torch.zeros(probs.shape[:2], dtype=torch.long)
    armed = torch.zeros(probs.shape[:2], dtype=torch.bool)  # at >= high since the last drop below low
    for t in range(probs.shape[-1]):
        p = probs[..., t]
        dropped = armed & (p < low)
        events += dropped.long()
        reversed_ |= dropped
        armed = (armed & ~dropped) | (p >= high)
        crossed |= p >= high
    n_crossed, n_reversed = crossed.sum(0), reversed_.sum(0)
    rate = torch.where(n_crossed > 0, n_reversed / n_crossed.clamp(min=1), torch.tensor(float("nan")))
    return Reversibility(
        crossed=n_crossed, reversed=n_reversed, events=events.sum(0), rate=rate.float(), high=high, low=low
    )
