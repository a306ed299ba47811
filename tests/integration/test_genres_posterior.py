"""The batched genre posterior against one unbatched forward pass per genre, on random tiny models."""

from __future__ import annotations

import pytest
import torch
from tiny_models import VOCAB

from rivalry.errors import RivalryError
from rivalry.genres.posterior import genre_posterior, text_log_likelihoods
from rivalry.genres.tokenizer import build_word_tokenizer

HEADERS = [[1, 5, 6], [1, 7], [1, 8, 9, 10, 11, 12]]  # different lengths: the batch is left-padded


def _brute_force(model, headers, text, prior):
    """Per genre: run header + text alone, add up the text tokens' log-probs, then apply Bayes' rule by hand."""
    token_ll = []
    with torch.no_grad():
        for header in headers:
            ids = torch.tensor([header + text])
            log_probs = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
            token_ll.append(torch.stack([log_probs[len(header) - 1 + i, tok] for i, tok in enumerate(text)]))
    token_ll = torch.stack(token_ll)
    joint = token_ll.cumsum(-1) + prior.log()[:, None]
    return token_ll, joint - torch.logsumexp(joint, dim=0, keepdim=True)


def test_genre_posterior_matches_brute_force(model):
    text = torch.randint(3, VOCAB, (9,), generator=torch.Generator().manual_seed(0)).tolist()
    prior = torch.tensor([0.5, 0.3, 0.2])
    token_ll, expected = _brute_force(model, HEADERS, text, prior)
    got = genre_posterior(model, HEADERS, text, prior=prior)
    assert got.shape == (3, 9)
    torch.testing.assert_close(got, expected, atol=2e-4, rtol=0)
    batched = text_log_likelihoods(model, HEADERS, torch.tensor([text, text[::-1]]))
    torch.testing.assert_close(batched[0], token_ll, atol=2e-4, rtol=0)
    torch.testing.assert_close(batched[1], _brute_force(model, HEADERS, text[::-1], prior)[0], atol=2e-4, rtol=0)
    assert got.exp().sum(0) == pytest.approx(torch.ones(9), abs=1e-5)


def test_strings_are_encoded_with_the_tokenizer():
    from tiny_models import tiny_model

    model = tiny_model("llama")
    words = [f"w{i}" for i in range(40)]
    tok = build_word_tokenizer(words, ["<a>", "<b>"])
    text = "w3 w17 w5 w5 w39"
    from_strings = genre_posterior(model, ["<a>", "<b> w1"], text, tokenizer=tok)
    ids = [tok("<a>").input_ids, tok("<b> w1").input_ids]
    assert ids[0][0] == tok.bos_token_id
    from_ids = genre_posterior(model, ids, tok(text, add_special_tokens=False).input_ids)
    torch.testing.assert_close(from_strings, from_ids)


def test_bad_input_is_rejected():
    from tiny_models import tiny_model

    model = tiny_model("llama")
    with pytest.raises(RivalryError):
        genre_posterior(model, [[1], []], [5, 6])
    with pytest.raises(RivalryError):
        genre_posterior(model, [[1]], "w1 w2")
