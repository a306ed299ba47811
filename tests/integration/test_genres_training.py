"""End to end: train a tiny Llama on the synthetic genres for a few steps, save, load and validate it."""

from __future__ import annotations

import math

import torch
from genre_fixtures import TINY_TRAIN

from rivalry.genres.synthetic import GenreGenerator
from rivalry.genres.train import load_synthetic_model, save_synthetic_model, train_synthetic_model
from rivalry.genres.validation import validate

TINY = TINY_TRAIN

KEYS = (
    "mean_kl_nats_after_20_tokens",
    "exact_posterior_entropy_after_20_tokens",
    "baseline_kl_nats_after_20_tokens",
)


def test_train_save_load_validate(tmp_path):
    model, tokenizer, metrics = train_synthetic_model(TINY)
    assert metrics["steps"] == 4 and len(metrics["loss_curve"]) == 2
    assert all(math.isfinite(loss) for _, loss in metrics["loss_curve"])
    assert 0.0 < metrics["optimal_loss"] < metrics["final_loss"]

    again = train_synthetic_model(TINY)  # seeded: the same run twice gives the same weights
    for (name, a), b in zip(model.state_dict().items(), again.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, msg=name)

    save_synthetic_model(tmp_path, model, tokenizer, TINY, metrics)
    loaded = load_synthetic_model(tmp_path)
    assert any(path.suffix == ".safetensors" for path in tmp_path.iterdir())
    ids = torch.tensor([[tokenizer.bos_token_id, 5, 20, 30]])
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(ids).logits, model(ids).logits)
    assert loaded.tokenizer.get_vocab() == tokenizer.get_vocab()
    assert loaded.generator.config == TINY.synthetic

    results = validate(loaded.model, loaded.tokenizer, GenreGenerator(TINY.synthetic), n_docs=6, n_baseline_docs=40)
    for key in KEYS:
        assert math.isfinite(results[key]) and results[key] >= 0.0
    assert results["n_docs"] == 6 and results["doc_length"] == 24
