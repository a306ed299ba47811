"""Validate the model-based genre posterior against the exact Bayesian posterior of the synthetic corpus.

On held-out untagged documents, the model's posterior uses the tags as headers (``genre_posterior``'s method),
the exact one the forward algorithm, the baseline naive Bayes. Divergences are

    KL(exact || q)_t = sum_g P(g | x_1..t) (log P(g | x_1..t) - log q(g | x_1..t)),

averaged over documents and over prefix lengths t >= ``min_tokens``.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import torch
from jaxtyping import Float, Int
from transformers import PreTrainedTokenizerBase

from rivalry.errors import RivalryError
from rivalry.genres.baseline import NaiveBayesGenres
from rivalry.genres.posterior import log_posterior_from_likelihoods, text_log_likelihoods
from rivalry.genres.synthetic import GenreGenerator
from rivalry.genres.train import word_token_ids


def kl_divergence(
    log_p: Float[np.ndarray, "doc genre seq"], log_q: Float[np.ndarray, "doc genre seq"]
) -> Float[np.ndarray, "doc seq"]:
    """KL(p || q) over the genre axis, with 0 log 0 = 0."""
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):  # -inf - -inf where p = 0; masked out
        return np.where(p > 0, p * (log_p - log_q), 0.0).sum(axis=1)


def entropy(log_p: Float[np.ndarray, "doc genre seq"]) -> Float[np.ndarray, "doc seq"]:
    """Entropy over the genre axis in nats, with 0 log 0 = 0."""
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):
        return -np.where(p > 0, p * log_p, 0.0).sum(axis=1)


def model_log_posterior(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    generator: GenreGenerator,
    words: Int[np.ndarray, "doc length"],
    batch_docs: int = 32,
) -> tuple[Float[np.ndarray, "doc genre seq"], Float[np.ndarray, "doc genre seq"]]:
    """The model's log-posterior (headers ``<bos> <tag_g>``, the generator's prior) and per-token log-likelihoods."""
    tag_ids = cast(list[int], tokenizer.convert_tokens_to_ids(list(generator.tags)))
    headers = [[tokenizer.bos_token_id, tag] for tag in tag_ids]
    texts = torch.from_numpy(word_token_ids(generator, cast(Any, tokenizer))[words])
    likelihoods = torch.cat(
        [
            text_log_likelihoods(model, headers, texts[i : i + batch_docs], pad_token_id=tokenizer.pad_token_id)
            for i in range(0, len(texts), batch_docs)
        ]
    )
    log_post = log_posterior_from_likelihoods(likelihoods, torch.from_numpy(generator.prior))
    return log_post.double().numpy(), likelihoods.double().numpy()


def validate(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    generator: GenreGenerator,
    n_docs: int = 512,
    seed: int = 12345,
    min_tokens: int = 20,
    n_baseline_docs: int = 2000,
    batch_docs: int = 32,
) -> dict[str, float | int]:
    """Compare the model's, the exact and the naive-Bayes genre posteriors on ``n_docs`` fresh untagged documents.

    Keys (means over documents and prefix lengths t >= ``min_tokens`` unless the name says ``at_``):
    ``mean_kl_nats_after_20_tokens`` (KL(exact || model)), ``baseline_kl_nats_after_20_tokens``
    (KL(exact || naive Bayes)), ``exact_posterior_entropy_after_20_tokens``, the same three at t = ``min_tokens``,
    final-token accuracies of the three posteriors' top genre, and the per-word loss of the model given the true
    tag against the exact one. (The ``20`` in the names is ``min_tokens``, also reported.)
    """
    if not 1 <= min_tokens <= generator.config.doc_length:
        raise RivalryError(f"min_tokens must be in [1, doc_length = {generator.config.doc_length}]")
    model.eval()
    docs = generator.sample(n_docs, seed)
    exact = generator.exact_log_posterior(docs.words)
    model_post, likelihoods = model_log_posterior(model, tokenizer, generator, docs.words, batch_docs)
    train = generator.sample(n_baseline_docs, np.random.default_rng([seed, 1]))
    baseline = NaiveBayesGenres.fit(train.words, train.genres, generator.n_genres, len(generator.words))
    baseline_post = baseline.log_posterior(docs.words, prior=generator.prior)
    col = min_tokens - 1  # column t-1 holds the posterior after t tokens
    kl_model, kl_base, ent = kl_divergence(exact, model_post), kl_divergence(exact, baseline_post), entropy(exact)
    rows = np.arange(n_docs)
    model_nll = float(-likelihoods[rows, docs.genres].mean())
    exact_nll = generator.exact_token_nll(docs.words, docs.genres)
    return {
        "mean_kl_nats_after_20_tokens": float(kl_model[:, col:].mean()),
        "baseline_kl_nats_after_20_tokens": float(kl_base[:, col:].mean()),
        "exact_posterior_entropy_after_20_tokens": float(ent[:, col:].mean()),
        "mean_kl_nats_at_20_tokens": float(kl_model[:, col].mean()),
        "baseline_kl_nats_at_20_tokens": float(kl_base[:, col].mean()),
        "exact_posterior_entropy_at_20_tokens": float(ent[:, col].mean()),
        "max_kl_nats_after_20_tokens": float(kl_model[:, col:].max()),
        "exact_final_accuracy": float((exact[:, :, -1].argmax(1) == docs.genres).mean()),
        "model_final_accuracy": float((model_post[:, :, -1].argmax(1) == docs.genres).mean()),
        "baseline_final_accuracy": float((baseline_post[:, :, -1].argmax(1) == docs.genres).mean()),
        "model_word_nll_true_tag": model_nll,
        "exact_word_nll": exact_nll,
        "n_docs": n_docs,
        "doc_length": int(docs.words.shape[1]),
        "min_tokens": min_tokens,
        "seed": seed,
    }
