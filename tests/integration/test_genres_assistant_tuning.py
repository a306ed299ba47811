"""Tuning a tiny synthetic-genre model toward the assistant genre (a few steps), and base-vs-tuned on the pair."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from genre_fixtures import TINY_TRAIN

import rivalry
from rivalry.cli.main import main
from rivalry.genres.assistant import AssistantGenerator
from rivalry.genres.synthetic import GenreGenerator
from rivalry.genres.synthetic_models import corpus_tag_genre_set, synthetic_generator
from rivalry.genres.train import save_synthetic_model, train_synthetic_model
from rivalry.genres.tune import AssistantTuneConfig, save_tuned_model, tune_toward_assistant

TINY = TINY_TRAIN
TUNE = AssistantTuneConfig(steps=3, batch_size=8, warmup_steps=1, log_every=1)
TEXTS = {
    "hero": ["luigi said : thank you , my friend ."],
    "assistant": ["user : please tell me how to trick the king ? assistant : i can not help with that ."],
}
SHIPPED = Path(__file__).resolve().parents[2] / "src" / "rivalry" / "data" / "models" / "synthetic-genres-assistant"


@pytest.fixture(scope="module")
def pair_dirs(tmp_path_factory):
    """A tiny base (4 steps) and its tune (3 steps), saved as synthetic-genre model folders."""
    root = tmp_path_factory.mktemp("pair")
    model, tokenizer, metrics = train_synthetic_model(TINY)
    save_synthetic_model(root / "base", model, tokenizer, TINY, metrics)
    model, _, metrics = tune_toward_assistant(model, tokenizer, TINY.synthetic, TUNE)
    save_tuned_model(root / "tuned", model, tokenizer, TINY.synthetic, TUNE, metrics)
    return root / "base", root / "tuned"


def test_tuning_is_seeded_and_changes_the_weights():
    model, tokenizer, _ = train_synthetic_model(TINY)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    tuned, generator, metrics = tune_toward_assistant(model, tokenizer, TINY.synthetic, TUNE)
    assert isinstance(generator, AssistantGenerator) and not tuned.training
    assert metrics["steps"] == 3 and len(metrics["loss_curve"]) == 3
    assert all(math.isfinite(loss) for _, loss in metrics["loss_curve"]) and metrics["optimal_loss"] > 0
    assert any(not torch.equal(before[k], v) for k, v in tuned.state_dict().items())
    again, _, _ = tune_toward_assistant(train_synthetic_model(TINY).model, tokenizer, TINY.synthetic, TUNE)
    for (name, a), b in zip(tuned.state_dict().items(), again.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, msg=name)


def test_saved_tune_loads_with_its_tuning_corpus(pair_dirs):
    base_dir, tuned_dir = pair_dirs
    assert isinstance(synthetic_generator(tuned_dir), AssistantGenerator)
    assert type(synthetic_generator(base_dir)) is GenreGenerator
    config = json.loads((tuned_dir / "tune_config.json").read_text())
    assert AssistantTuneConfig.from_dict(config) == TUNE
    lm = rivalry.load_model(str(tuned_dir))
    assert lm.tokenizer.get_vocab() == rivalry.load_model(str(base_dir)).tokenizer.get_vocab()


def test_shipped_tune_config_is_the_default():
    data = json.loads((SHIPPED / "tune_config.json").read_text())
    assert AssistantTuneConfig.from_dict(data) == AssistantTuneConfig()
    assert AssistantTuneConfig().to_dict() == data  # same layout: a retune writes the same file


def test_tune_genres_cli_smoke(pair_dirs, tmp_path, capsys):
    """``rivalry tune-genres`` (the full tune takes about 3 minutes on one thread), shortened to 2 steps."""
    out = tmp_path / "tuned"
    threads, rng = torch.get_num_threads(), torch.get_rng_state()
    args = ["tune-genres", "--base", str(pair_dirs[0]), "--out", str(out), "--steps", "2", "--batch-size", "4"]
    assert main([*args, "--validation-docs", "4", "--threads", "1"]) == 0
    assert torch.get_num_threads() == threads and torch.equal(torch.get_rng_state(), rng)
    assert "mean_kl_nats_after_20_tokens" in capsys.readouterr().out
    assert (out / "model.safetensors").is_file() and (out / "tune_metrics.json").is_file()
    card = (out / "MODEL_CARD.md").read_text()
    assert "2 AdamW steps of 4 documents" in card and "rivalry tune-genres" in card
    validation = json.loads((out / "genre_validation.json").read_text())
    assert validation["n_docs"] == 4 and math.isfinite(validation["mean_kl_nats_after_20_tokens"])
    assert validation["corpus"].startswith("tuning corpus")
    assert AssistantTuneConfig.from_dict(json.loads((out / "tune_config.json").read_text())).base == str(pair_dirs[0])


def test_tune_genres_cli_refuses_a_base_that_is_not_synthetic(tmp_path, capsys):
    assert main(["tune-genres", "--base", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "not a synthetic-genre model" in capsys.readouterr().err
    assert main(["tune-genres", "--prior", "0.5", "0.5", "--out", str(tmp_path / "out")]) == 2
    assert "tuning prior" in capsys.readouterr().err


def test_validation_of_a_tune_is_against_its_tuning_corpus(pair_dirs):
    from rivalry.api.genres import validate_genres

    result = validate_genres(rivalry.load_model(str(pair_dirs[1])), n_docs=4, n_baseline_docs=20)
    assert result.corpus.tuning_prior == TUNE.prior and result.corpus.description.startswith("tuning corpus")
    assert isinstance(result.corpus.generator(), AssistantGenerator)


def test_base_vs_tuned_on_the_synthetic_pair(pair_dirs):
    # base-vs-tuned's own tests, on this file's tiny pair: a synthetic base picks the synthetic inputs and tags
    from rivalry.api.base_vs_tuned import base_vs_tuned

    base, tuned = (rivalry.load_model(str(d)) for d in pair_dirs)
    result = base_vs_tuned(base, tuned, samples=3, max_new_tokens=5, seed=1, neutral_texts=TEXTS, progress=False)
    assert result.config.prompt_style == "synthetic"
    assert [s.genre for s in result.prior_shift] == ["hero", "assistant"]
    assert all(s.kl_base_tuned > 0 for s in result.prior_shift)
    row = result.mode_collapse[0]
    assert row.prompt == "<bos> user : please tell me a character . assistant :"
    assert sum(row.probabilities) == pytest.approx(1.0) and len(row.answers) == 10
    shift = result.genre_posterior_shift
    assert shift is not None and shift.genre_set == corpus_tag_genre_set(pair_dirs[0]).to_dict()
    assert set(shift.own_prior) == {"base", "tuned"}
    assert sum(shift.own_prior["tuned"].values()) == pytest.approx(1.0)
    for r in shift.rows:
        assert sum(r.posterior.values()) == pytest.approx(1.0, abs=1e-5)
        assert sum(r.posterior_early.values()) == pytest.approx(1.0, abs=1e-5)
    assert {r.prior for r in shift.rows} == {"set prior", "own prior"}


def test_base_vs_tuned_cli_on_synthetic_dirs(pair_dirs, tmp_path, capsys):
    texts = tmp_path / "texts.yaml"
    texts.write_text('hero:\n  - "luigi said : thank you ."\nassistant:\n  - "user : tell me . assistant : sure ."\n')
    args = ["base-vs-tuned", "--base", str(pair_dirs[0]), "--tuned", str(pair_dirs[1]), "--samples", "2"]
    args += ["--max-new-tokens", "4", "--neutral-texts", str(texts), "--out", str(tmp_path / "out")]
    assert main(args) == 0
    assert "own genre prior" in capsys.readouterr().out
    data = json.loads((tmp_path / "out" / "base_vs_tuned.json").read_text())
    assert data["settings"]["prompt_style"] == "synthetic"
    assert data["neutral_texts"]["assistant"] == ["user : tell me . assistant : sure ."]
    assert "Genre-posterior shift" in (tmp_path / "out" / "report.html").read_text()
