"""Obedience results without a model: save/load round trips, reports of loaded results, the target check."""

from __future__ import annotations

import json

import pytest

from rivalry.experiments.base import fingerprint, load_result
from rivalry.experiments.obedience_eval import ConditionResult, ObedienceEvalConfig, ObedienceEvalResult
from rivalry.experiments.obedience_eval.measure import spread, target_check
from rivalry.experiments.obedience_tune import (
    FactSplitRecord,
    ObedienceTuneConfig,
    ParaphraseRecord,
    Timings,
    TrainingStep,
    TuneResult,
)
from rivalry.experiments.obedience_tune.card import model_card
from rivalry.models.model import Provenance
from rivalry.report.obedience import report
from rivalry.report.page import render_page

BASE = Provenance(name="smollm2", source="/models/smollm2", base_sha256="ab" * 32)
TUNED = Provenance(name="smollm2", source="/models/smollm2", base_sha256="ab" * 32, adapter="/runs/a",
                   adapter_sha256="cd" * 32)  # fmt: skip
OLD_EVALUATION_KEYS = {"base_model", "adapter", "n_facts", "fact_ids", "split_seed", "heldout_fraction",
                       "min_nc_probability", "templates", "rows", "target"}  # fmt: skip
OLD_TRAINING_KEYS = {"config", "method", "fact_split", "paraphrases", "n_examples", "versions"}


def _row(model: str, fmt: str, name: str, effect: float | None, nc: float | None, kept: int = 3) -> ConditionResult:
    return ConditionResult(
        model=model, prompt_format=fmt, template_name=name, template="Never say {word}.", n_facts=4, n_kept=kept,
        mean_total_effect_log10=effect, nc_accuracy=nc, nc_accuracy_wrong=nc, nc_accuracy_irrelevant=nc,
        competing_says_forbidden=0.25, mean_p_competing_kept=None if effect is None else 0.1,
    )  # fmt: skip


def evaluation() -> ObedienceEvalResult:
    config = ObedienceEvalConfig(max_facts=4)
    rows = [
        _row("base", "prefill", "paper", 0.61, 0.3),
        _row("tuned", "prefill", "paper", -3.5, 0.8),
        _row("base", "question", "paper", None, 0.0, kept=0),
        _row("tuned", "question", "paper", -0.9, 0.2),
    ]
    return ObedienceEvalResult(
        config=config,
        provenance={"base": BASE, "tuned": TUNED},
        fingerprint=fingerprint(ObedienceEvalResult.KIND, config, {"base": BASE, "tuned": TUNED}),
        fact_ids=("a", "b", "c", "d"),
        templates={"paper": "Never say {word}.", "paraphrase_7": "Do not say {word}."},
        rows=tuple(rows),
        target=tuple(target_check(rows, "base", "tuned")),
    )


def tune_result() -> TuneResult:
    config = ObedienceTuneConfig(steps=2, lora_layers=(28, 29))
    curve = tuple(
        TrainingStep(
            step=i + 1,
            loss=2.0 / (i + 1),
            cross_entropy=1.5 / (i + 1),
            unlikelihood=0.1,
            accuracy=0.5,
            grad_norm=0.3,
            learning_rate=1e-3,
            seconds=0.7 * (i + 1),
        )  # fmt: skip
        for i in range(2)
    )
    return TuneResult(
        config=config,
        provenance={"model": BASE},
        fingerprint=fingerprint(TuneResult.KIND, config, {"model": BASE}),
        adapter="/runs/a",
        adapter_sha256="cd" * 32,
        method="LoRA",
        fact_split=FactSplitRecord(
            seed=0, heldout_fraction=0.3, train_ids=("a", "b"), heldout_ids=("c",), trained_ids=("a",)
        ),  # fmt: skip
        paraphrases=ParaphraseRecord(train=("Never {word}.",), heldout=("No {word}.",), heldout_indices=(0, 7)),
        n_examples=6,
        n_trainable_parameters=100,
        curve=curve,
        timings=Timings(
            setup_seconds=1.0, train_seconds=1.4, total_seconds=2.5, steps_per_second=1 / 0.7, num_threads=2
        ),  # fmt: skip
        versions={"torch": "x"},
    )


def test_target_check_says_why_a_ratio_is_undefined():
    checks = {c.prompt_format: c for c in evaluation().target}
    assert checks["prefill"].passed and checks["prefill"].nc_accuracy_ratio == pytest.approx(0.8 / 0.3)
    question = checks["question"]
    assert question.nc_accuracy_ratio is None and question.note == "the base model's nc accuracy is 0"
    assert not question.accuracy_ok and not question.effect_ok and not question.passed


def test_spread_keeps_order_and_count():
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread([1, 2], None) == [1, 2] and spread([1, 2], 5) == [1, 2]


def _refuse(name: str) -> None:
    raise AssertionError(f"a saved JSON file holds {name}")


@pytest.mark.parametrize("make", [evaluation, tune_result], ids=["evaluation", "tune"])
def test_load_of_save_is_equal_and_reports_identically(make, tmp_path):
    result = make()
    result.save(tmp_path)
    loaded = type(result).load(tmp_path)
    assert loaded == result
    assert type(load_result(tmp_path)) is type(result)
    assert render_page(report(loaded)) == render_page(report(result))
    for path in tmp_path.glob("*.json"):
        json.loads(path.read_text(), parse_constant=_refuse)


def test_evaluation_keeps_the_old_layout(tmp_path):
    result = evaluation()
    result.save(tmp_path)
    record = json.loads((tmp_path / "evaluation.json").read_text())
    assert set(record) >= OLD_EVALUATION_KEYS
    assert record["base_model"] == "smollm2" and record["adapter"] == "/runs/a" and record["n_facts"] == 4
    assert record["rows"][2]["mean_total_effect_log10"] is None
    assert set(record["rows"][0]) >= {"model", "prompt_format", "template_name", "n_kept", "nc_accuracy"}
    assert (tmp_path / "evaluation_rows.csv").read_text().startswith("model,prompt_format,template_name")
    assert list(result.to_pandas()["model"]) == ["base", "tuned", "base", "tuned"]


def test_tune_views_keep_the_old_layout(tmp_path):
    result = tune_result()
    result.save(tmp_path)
    record = json.loads((tmp_path / "training_config.json").read_text())
    assert set(record) >= OLD_TRAINING_KEYS and record["base_model"] == "smollm2"
    assert ObedienceTuneConfig.from_dict(record["config"]) == result.config
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics) == {"curve", "timings", "n_trainable_parameters", "final_window"}
    assert metrics["final_window"]["loss"] == pytest.approx(1.5)
    assert "Not measured yet" in (tmp_path / "MODEL_CARD.md").read_text()
    card = model_card(result, evaluation())
    assert "| tuned | prefill | paper | 3/4 | -3.50 | 0.800 | 0.250 |" in card
    assert "| base | question | paper | 0/4 | n/a | 0.000 | 0.250 |" in card
