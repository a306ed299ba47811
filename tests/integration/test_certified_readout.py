"""Forbidden facts with certified readouts: every site effect within its fact's recorded bound of the exact run,
and configs that gained the readout settings still resume runs made before them."""

from __future__ import annotations

import pytest
import torch
from chat_fixtures import forbidden_facts_chat_model, write_facts_file

from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint
from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig, ForbiddenFactsResult
from rivalry.experiments.forbidden_facts.run import run


def _config(facts, **changes) -> ForbiddenFactsConfig:
    settings = dict(facts=str(facts), batch_size=3, min_nc_probability=0.0, joint_facts=2, joint_ks=(1,))
    return ForbiddenFactsConfig(**{**settings, **changes})


@pytest.mark.parametrize("tolerance", [1e-3, 1e-1])
def test_certified_site_effects_are_within_each_facts_bound(tmp_path, tolerance) -> None:
    lm = forbidden_facts_chat_model()
    facts = write_facts_file(tmp_path / "facts.jsonl")
    exact = run(lm, _config(facts), progress=False)
    certified = run(lm, _config(facts, readout="certified", readout_tolerance=tolerance), progress=False)
    bounds = torch.tensor([row.readout_bound_log10 for row in certified.facts])
    assert [r.fact_id for r in exact.facts] == [r.fact_id for r in certified.facts]
    assert all(row.readout_bound_log10 == 0.0 for row in exact.facts)
    assert bool((bounds <= tolerance).all())
    error = (certified.effects - exact.effects).abs().amax(1)
    assert bool((error <= bounds + 1e-5).all()), (error, bounds)
    again = ForbiddenFactsResult.load(certified.save(tmp_path / "saved"))
    assert again == certified and "readout_bound_log10" in (tmp_path / "saved" / "facts.csv").read_text()


def test_readout_settings_at_their_defaults_leave_the_fingerprint_as_before(tmp_path) -> None:
    lm = forbidden_facts_chat_model()
    config = _config(write_facts_file(tmp_path / "facts.jsonl"))
    print_now = fingerprint(ForbiddenFactsResult.KIND, config, {"model": lm})["config"]
    assert "readout" not in print_now and "max_memory_mb" not in print_now
    certified = fingerprint(ForbiddenFactsResult.KIND, config.replace(readout="certified"), {"model": lm})["config"]
    assert certified["readout"] == "certified"
    with pytest.raises(RivalryError, match="readout"):
        config.replace(readout="approximate")
    with pytest.raises(RivalryError, match="max_memory_mb"):
        config.replace(max_memory_mb=0)


@pytest.mark.smollm2
def test_certified_readouts_on_the_obedient_organism_keep_their_tolerance() -> None:
    import rivalry

    lm = rivalry.load_model("smollm2-obedient")
    config = ForbiddenFactsConfig(split="heldout", limit=4, batch_size=4, joint_facts=0)
    exact = run(lm, config, progress=False)
    certified = run(lm, config.replace(readout="certified", readout_tolerance=1e-4), progress=False)
    bounds = torch.tensor([row.readout_bound_log10 for row in certified.facts])
    assert len(certified.facts) == len(exact.facts) > 0
    assert bool((bounds <= 1e-4).all())
    error = (certified.effects - exact.effects).abs().amax(1)
    assert bool((error <= bounds + 1e-5).all()), (error, bounds)
