"""A shortened obedience-tuning run on SmolLM2: the adapter saves, loads back, changes the logits, the run records
its split and leaves the process's threads and random generators alone; a short evaluation of it saves, loads and
reports identically."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import rivalry
from rivalry.api.obedience import evaluate_obedience, tune_obedience
from rivalry.experiments.base import load_result
from rivalry.experiments.obedience_eval import ObedienceEvalResult
from rivalry.experiments.obedience_tune import ObedienceTuneConfig, TuneResult
from rivalry.facts import load_facts, split_facts
from rivalry.models.loading import adapter_identity
from rivalry.prompts.chat import encode_batch
from rivalry.report.obedience import report
from rivalry.report.page import render_page

pytestmark = pytest.mark.smollm2

SHORT = ObedienceTuneConfig(
    steps=2, batch_size=2, learning_rate=1e-2, warmup_steps=1, lora_rank=4, lora_layers=(28, 29), fact_limit=4
)


@pytest.fixture(scope="module")
def tuned(smollm2, tmp_path_factory):
    out = tmp_path_factory.mktemp("tune") / "adapter"
    return tune_obedience(smollm2, SHORT, out=out, progress=False)


@pytest.fixture(scope="module")
def tuned_dir(tuned):
    return Path(tuned.adapter)


@pytest.fixture(scope="module")
def evaluation(smollm2, tuned_dir):
    tuned_model = rivalry.load_model("smollm2", adapter=str(tuned_dir))
    return evaluate_obedience(smollm2, tuned_model, max_facts=4, formats=("prefill",), progress=False)


def _process_state() -> tuple:
    return (
        torch.get_num_threads(),
        torch.random.get_rng_state(),
        random.getstate(),
        np.random.get_state(),
        torch.is_grad_enabled(),
    )


def _same_state(a: tuple, b: tuple) -> bool:
    numpy_a, numpy_b = a[3], b[3]
    return (
        a[0] == b[0]
        and torch.equal(a[1], b[1])
        and a[2] == b[2]
        and numpy_a[0] == numpy_b[0]
        and np.array_equal(numpy_a[1], numpy_b[1])
        and numpy_a[2:] == numpy_b[2:]
        and a[4] == b[4]
    )


def _adapter_tensors(directory: Path) -> dict[str, torch.Tensor]:
    return load_file(str(directory / "adapter_model.safetensors"))


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
    assert ObedienceTuneConfig.from_dict(record["config"]).steps == 2
    assert record["base_model"] == "smollm2" and record["provenance"]["model"]["name"] == "smollm2"


def test_result_records_the_adapter_and_loads_back_equal(tuned, tuned_dir, smollm2):
    assert tuned.adapter_sha256 == adapter_identity(tuned_dir)
    assert tuned.provenance["model"] == smollm2.provenance
    loaded = load_result(tuned_dir)
    assert isinstance(loaded, TuneResult) and loaded == tuned
    assert render_page(report(loaded)) == render_page(report(tuned))
    assert "smollm2" in (tuned_dir / "MODEL_CARD.md").read_text()


def test_tuning_leaves_threads_and_random_generators_alone(smollm2, tuned_dir, tmp_path):
    config = SHORT.replace(steps=1, fact_limit=2, lora_layers=(29,))
    before = _process_state()
    first = tune_obedience(smollm2, config, out=tmp_path / "first", progress=False)
    assert _same_state(before, _process_state())
    torch.rand(7), random.random(), np.random.rand()  # a different global state must not change the adapter
    second = tune_obedience(smollm2, config, out=tmp_path / "second", progress=False)
    a, b = _adapter_tensors(tmp_path / "first"), _adapter_tensors(tmp_path / "second")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert first.adapter_sha256 == second.adapter_sha256


def test_tuning_refuses_a_non_empty_directory(smollm2, tuned_dir):
    with pytest.raises(rivalry.RivalryError, match="not empty"):
        tune_obedience(smollm2, SHORT, out=tuned_dir, progress=False)


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
    from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE, build_fact_prompts
    from rivalry.experiments.obedience_eval.measure import measure_condition, next_token_logits
    from rivalry.facts import load_irrelevant_words

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


def test_evaluation_saves_loads_and_reports_identically(evaluation, tuned, smollm2, tmp_path):
    assert evaluation.provenance["tuned"].adapter_sha256 == tuned.adapter_sha256
    assert evaluation.provenance["base"] == smollm2.provenance
    assert (evaluation.config.heldout_fraction, evaluation.config.split_seed) == (0.3, 0)  # read from the adapter
    assert [(r.model, r.template_name) for r in evaluation.rows] == [
        ("base", "paper"),
        ("tuned", "paper"),
        ("base", "paraphrase_7"),
        ("tuned", "paraphrase_7"),
    ]
    heldout = {f.fact_id for f in split_facts(load_facts(), 0.3, seed=0).heldout}
    assert len(evaluation.fact_ids) == 4 and set(evaluation.fact_ids) <= heldout
    evaluation.save(tmp_path)
    loaded = load_result(tmp_path)
    assert isinstance(loaded, ObedienceEvalResult) and loaded == evaluation
    assert render_page(report(loaded)) == render_page(report(evaluation))


def test_tune_eval_cli_writes_into_the_adapter_directory(tuned_dir, evaluation, tmp_path):
    from rivalry.cli.main import main

    adapter = tmp_path / "adapter"
    shutil.copytree(tuned_dir, adapter)
    code = main(["tune-eval", str(adapter), "--max-facts", "4", "--formats", "prefill", "--no-progress"])
    assert code == 0
    result = ObedienceEvalResult.load(adapter)
    assert [r.mean_total_effect_log10 for r in result.rows] == [r.mean_total_effect_log10 for r in evaluation.rows]
    assert [r.nc_accuracy for r in result.rows] == [r.nc_accuracy for r in evaluation.rows]
    assert (adapter / "evaluation.html").is_file() and "Not measured yet" not in (adapter / "MODEL_CARD.md").read_text()
