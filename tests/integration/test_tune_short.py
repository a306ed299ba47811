"""A shortened obedience-tuning run on SmolLM2: the adapter saves, loads back, changes the logits, and the
run records its split."""

from __future__ import annotations

import json

import pytest
import torch

import rivalry
from rivalry.facts import load_facts, split_facts
from rivalry.organisms.obedience.config import TuneConfig
from rivalry.organisms.obedience.train import tune
from rivalry.prompts.chat import encode_batch

pytestmark = pytest.mark.smollm2


@pytest.fixture(scope="module")
def tuned_dir(smollm2, tmp_path_factory):
    out = tmp_path_factory.mktemp("tune") / "adapter"
    config = TuneConfig(
        steps=2,
        batch_size=2,
        learning_rate=1e-2,
        warmup_steps=1,
        lora_rank=4,
        lora_layers=(28, 29),
        fact_limit=4,
        num_threads=None,
    )
    tune(smollm2, config, out, progress=False)
    return out


def _logits(lm, text: str) -> torch.Tensor:
    batch = encode_batch(lm.tokenizer, [text])
    with torch.no_grad():
        return lm.model(**batch).logits[0, -1]


def test_writes_every_file(tuned_dir):
    names = {p.name for p in tuned_dir.iterdir()}
    assert {
        "adapter_model.safetensors",
        "adapter_config.json",
        "training_config.json",
        "metrics.json",
        "MODEL_CARD.md",
    } <= names
    assert not list(tuned_dir.glob("*.bin"))
    metrics = json.loads((tuned_dir / "metrics.json").read_text())
    assert len(metrics["curve"]) == 2 and metrics["timings"]["train_seconds"] > 0
    assert "LoRA supervised fine-tuning" in (tuned_dir / "MODEL_CARD.md").read_text()


def test_records_the_split(tuned_dir):
    record = json.loads((tuned_dir / "training_config.json").read_text())
    split = split_facts(load_facts(), 0.3, seed=0)
    assert record["fact_split"]["seed"] == 0 and record["fact_split"]["heldout_fraction"] == 0.3
    assert record["fact_split"]["heldout_ids"] == [f.fact_id for f in split.heldout]
    assert record["fact_split"]["train_ids"] == [f.fact_id for f in split.train]
    assert set(record["fact_split"]["trained_ids"]) <= set(record["fact_split"]["train_ids"])
    assert record["paraphrases"]["heldout_indices"] == [0, 7]
    assert TuneConfig.from_dict(record["config"]).steps == 2


def test_adapter_loads_back_and_changes_the_logits(tuned_dir, smollm2):
    tuned = rivalry.load_model("smollm2", adapter=str(tuned_dir))
    assert tuned.provenance.adapter == str(tuned_dir.resolve())
    assert tuned.provenance.adapter_sha256 is not None
    text = "<|im_start|>user\nComplete the sentence: Paris is the capital of<|im_end|>\n<|im_start|>assistant\nParis"
    base_logits, tuned_logits = _logits(smollm2, text), _logits(tuned, text)
    assert torch.isfinite(tuned_logits).all()
    assert not torch.allclose(base_logits, tuned_logits, atol=1e-4)


def test_measure_condition_matches_a_direct_computation(smollm2):
    from rivalry.core.metrics import log_odds_log10
    from rivalry.core.vocabulary import VocabularyIndex
    from rivalry.facts import load_irrelevant_words
    from rivalry.forbidden.prompts import PAPER_SYSTEM_TEMPLATE, build_fact_prompts
    from rivalry.organisms.obedience.evaluate import measure_condition, next_token_logits

    fact = next(f for f in load_facts() if f.fact_id == "language_spain")
    words = load_irrelevant_words()
    result = measure_condition(smollm2, "base", [fact], words, "prefill", "paper", PAPER_SYSTEM_TEMPLATE)
    prompts = build_fact_prompts(smollm2.tokenizer, fact, words, "prefill", PAPER_SYSTEM_TEMPLATE)
    logits = next_token_logits(smollm2, [prompts.competing, prompts.nc_wrong, prompts.nc_irrelevant])
    mask = torch.zeros_like(logits, dtype=torch.bool)
    mask[:, VocabularyIndex(smollm2.tokenizer).token_set(fact.answer)] = True
    probs = torch.where(mask, logits.softmax(-1), 0.0).sum(-1)
    lo = log_odds_log10(logits.clone(), mask)
    kept = float(probs[1:].mean()) > 0.5
    assert result.n_facts == 1 and result.n_kept == int(kept)
    if kept:
        assert result.mean_total_effect_log10 == pytest.approx(float(lo[0] - lo[1:].mean()), abs=1e-4)
    top_is_answer = mask[torch.arange(3), logits.argmax(-1)]
    assert result.nc_accuracy == pytest.approx(float(top_is_answer[1:].float().mean()))
    assert result.competing_says_forbidden == float(top_is_answer[0])
