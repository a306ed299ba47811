"""End to end: train a tiny Llama on the synthetic genres for a few steps, save, load and validate it; and
``rivalry train-genres`` on a shortened config."""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from genre_fixtures import TINY_TRAIN

from rivalry.cli.main import main
from rivalry.genres.synthetic import GenreGenerator, SyntheticConfig
from rivalry.genres.train import (
    TrainConfig,
    build_model,
    load_synthetic_model,
    save_synthetic_model,
    synthetic_tokenizer,
    train_synthetic_model,
)
from rivalry.genres.validation import validate

TINY = TINY_TRAIN
SHIPPED = Path(__file__).resolve().parents[2] / "src" / "rivalry" / "data" / "models" / "synthetic-genres"

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
    assert TrainConfig.from_dict(json.loads((tmp_path / "train_config.json").read_text())) == TINY

    results = validate(loaded.model, loaded.tokenizer, GenreGenerator(TINY.synthetic), n_docs=6, n_baseline_docs=40)
    for key in KEYS:
        assert math.isfinite(results[key]) and results[key] >= 0.0
    assert results["n_docs"] == 6 and results["doc_length"] == 24


def test_training_leaves_global_state_alone():
    """Randomness comes from explicit generators: the global torch RNG and the thread count are untouched."""
    rng, threads = torch.get_rng_state(), torch.get_num_threads()
    train_synthetic_model(TINY)
    assert torch.equal(torch.get_rng_state(), rng) and torch.get_num_threads() == threads


def test_initialisation_from_a_generator_matches_global_seeding():
    """The weights a Generator gives are those of seeding the global RNG (how the shipped model was made)."""
    from transformers import LlamaForCausalLM

    tokenizer = synthetic_tokenizer(GenreGenerator(TINY.synthetic))
    model = build_model(TINY, tokenizer)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TINY.seed)
        legacy = LlamaForCausalLM(model.config).float()
    for (name, a), b in zip(model.state_dict().items(), legacy.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    generator = torch.Generator().manual_seed(TINY.seed)
    build_model(TINY, tokenizer, generator)
    assert not torch.equal(generator.get_state(), torch.Generator().manual_seed(TINY.seed).get_state())


def test_shipped_train_config_is_the_default():
    data = json.loads((SHIPPED / "train_config.json").read_text())
    assert TrainConfig.from_dict(data) == TrainConfig()
    assert TrainConfig().to_dict() == data  # same layout: a retrain writes the same file


def test_train_genres_cli_on_a_short_config(tmp_path, capsys):
    """``rivalry train-genres`` (the full run takes 22 minutes on one thread): a 4-step run from a config file."""
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({**TINY.to_dict(), "synthetic": {"doc_length": 24}}))
    out = tmp_path / "model"
    threads = torch.get_num_threads()
    args = ["train-genres", "--config", str(config), "--overlap", "0.3", "--steps", "4", "--out", str(out)]
    assert main([*args, "--validation-docs", "4", "--eval-every", "2", "--threads", "1"]) == 0
    assert torch.get_num_threads() == threads  # --threads holds for the run only
    printed = capsys.readouterr().out
    assert "step      2" in printed and "KL(exact || model)" in printed and f"model: {out}" in printed
    saved = TrainConfig.from_dict(json.loads((out / "train_config.json").read_text()))
    assert saved == TrainConfig.from_dict({**TINY.to_dict(), "synthetic": SyntheticConfig(doc_length=24, overlap=0.3)})
    validation = json.loads((out / "genre_validation.json").read_text())
    assert validation["n_docs"] == 4 and validation["train_steps"] == 4
    assert [row["step"] for row in validation["eval_curve"]] == [2, 4]
    for name in ("model.safetensors", "tokenizer.json", "synthetic_config.json", "train_metrics.json"):
        assert (out / name).is_file()
    import rivalry

    assert rivalry.load_model(str(out)).model.config.num_hidden_layers == 1


def test_train_genres_cli_refuses_bad_settings(tmp_path, capsys):
    assert main(["train-genres", "--d-model", "30", "--n-heads", "4", "--out", str(tmp_path)]) == 2
    assert "divisible" in capsys.readouterr().err
    assert main(["train-genres", "--overlap", "1.5", "--out", str(tmp_path)]) == 2
    assert "overlap" in capsys.readouterr().err
