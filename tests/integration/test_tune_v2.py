"""Shortened runs of obedience tuning v2 (both formats, v1 + v2 training facts) and of its DPO twin (TRL) on
SmolLM2: each adapter is the same bit for bit from the same seed, the process's random generators are left
alone, held-out relation types are never trained on, and the adapters load back through ``rivalry.load_model``."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import rivalry
from rivalry.experiments.base import load_result
from rivalry.experiments.obedience_tune import ObedienceTuneConfig, TuneResult
from rivalry.experiments.obedience_tune import run as tune
from rivalry.facts import HELDOUT_RELATIONS, load_facts

pytestmark = [pytest.mark.smollm2, pytest.mark.slow]

SHORT_V2 = ObedienceTuneConfig(
    steps=2, batch_size=2, learning_rate=1e-2, warmup_steps=1, lora_rank=4, lora_layers=(28, 29), fact_limit=3,
    prompt_format="both", fact_sets=("v1", "v2"),
)  # fmt: skip
SHORT_DPO = SHORT_V2.replace(method="dpo", lora_layers=(29,))
SHORT = {
    "sft": SHORT_V2,
    "sft-hinge": SHORT_V2.replace(penalty="hinge"),  # the v3 organism's objective
    "dpo": SHORT_DPO,
    "dpo-sft": SHORT_DPO.replace(dpo_sft_weight=1.0),  # DPO plus the chosen completion's likelihood (RPO)
}


def _tensors(directory: Path) -> dict[str, torch.Tensor]:
    return load_file(str(directory / "adapter_model.safetensors"))


def _same_adapter(a: Path, b: Path) -> bool:
    x, y = _tensors(a), _tensors(b)
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def _state() -> tuple:
    return torch.random.get_rng_state(), random.getstate(), np.random.get_state()[1].copy()


def _unchanged(before: tuple) -> bool:
    after = _state()
    return torch.equal(before[0], after[0]) and before[1] == after[1] and np.array_equal(before[2], after[2])


@pytest.fixture(scope="module", params=sorted(SHORT))
def twice(request, smollm2, tmp_path_factory):
    config = SHORT[request.param]
    root = tmp_path_factory.mktemp(request.param)
    before = _state()
    first = tune(smollm2, config, root / "first", progress=False)
    untouched = _unchanged(before)
    torch.rand(5), random.random(), np.random.rand()  # another global state must not change the adapter
    second = tune(smollm2, config, root / "second", progress=False)
    return first, second, untouched


def test_same_seed_gives_the_same_adapter_bit_for_bit(twice):
    first, second, _ = twice
    assert _same_adapter(Path(first.adapter), Path(second.adapter))
    assert first.adapter_sha256 == second.adapter_sha256


def test_process_random_state_is_left_alone(twice):
    assert twice[2]


def test_trains_on_both_formats_and_never_on_heldout_relations(twice):
    result = twice[0]
    v2 = {f.fact_id: f for f in load_facts("v2")}
    trained_v2 = [v2[i] for i in result.fact_split.trained_ids if i in v2]
    assert trained_v2 and not {f.relation for f in trained_v2} & HELDOUT_RELATIONS
    assert set(result.fact_split.heldout_relations) == HELDOUT_RELATIONS
    assert result.fact_split.fact_sets == ("v1", "v2")
    n_facts = len(result.fact_split.trained_ids)
    assert result.n_examples == n_facts * len(result.paraphrases.train) * 3 * 2  # three cases, two formats
    assert len(result.curve) == 2


def test_result_loads_back_and_the_adapter_loads_by_path(twice, smollm2):
    result = twice[0]
    loaded = load_result(result.adapter)
    assert isinstance(loaded, TuneResult) and loaded == result
    lm = rivalry.load_model("smollm2", adapter=result.adapter)
    assert lm.provenance.adapter_sha256 == result.adapter_sha256
    assert not (Path(result.adapter) / "ref").exists()  # only the trained adapter is saved
    card = (Path(result.adapter) / "MODEL_CARD.md").read_text()
    assert ("DPO with TRL" in card) == (result.config.method == "dpo")
    assert ("hinge" in result.method) == (result.config.penalty == "hinge" and result.config.method == "sft")
    assert ("negative log-likelihood" in result.method) == (result.config.dpo_sft_weight > 0)
    if result.config.method == "dpo":
        assert result.versions["trl"] and result.curve[-1].reward_margin is not None
        assert result.curve[0].cross_entropy is None


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("smollm2-obedient-v2", "sft"),
        ("smollm2-obedient-v3", "sft"),
        ("smollm2-obedient-dpo", "dpo"),
        ("smollm2-obedient-dpo-v2", "dpo"),
    ],
)
def test_shipped_adapters_load_by_name_with_their_recorded_hash(smollm2, name, method):
    from importlib import resources

    record = load_result(resources.files("rivalry") / "data" / "adapters" / name)
    assert isinstance(record, TuneResult) and record.config.fact_sets == ("v1", "v2")
    assert record.config.method == method and record.config.prompt_format == "both"
    lm = rivalry.load_model(name)
    assert lm.provenance.name == name
    assert lm.provenance.adapter_sha256 == record.adapter_sha256
