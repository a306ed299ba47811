"""Every main job from a notebook with ``import rivalry`` alone, each in at most three calls, on the shipped models.

Small limits keep it quick; the assertions are on the typed results (and that each loads back equal).
"""

from __future__ import annotations

import pytest

import rivalry

pytestmark = pytest.mark.smollm2


@pytest.fixture(scope="module")
def obedient(smollm2):
    return rivalry.load_model("smollm2-obedient")


@pytest.fixture(scope="module")
def synthetic_pair():
    return rivalry.load_model("synthetic-genres"), rivalry.load_model("synthetic-genres-assistant")


@pytest.fixture(scope="module")
def facts_results(smollm2, obedient):
    settings = dict(split="heldout", limit=8, batch_size=8, min_nc_probability=0.0, joint_facts=2, joint_ks=(1,))
    return (
        rivalry.forbidden_facts(smollm2, progress=False, **settings),
        rivalry.forbidden_facts(obedient, progress=False, **settings),
    )


def _round_trip(result, tmp_path):
    assert rivalry.load_result(result.save(tmp_path / result.KIND)) == result
    rivalry.report_page(result)  # every result has a page


def test_forbidden_facts_and_compare(facts_results, tmp_path):
    base, tuned = facts_results
    assert tuned.n_facts_total == 8 and tuned.n_facts_kept == 8
    assert len(tuned.sites) == 1 + 30 * 10 and tuned.effects.shape == (8, 301)
    assert tuned.provenance["model"].name == "smollm2-obedient" and tuned.provenance["model"].adapter_sha256
    assert base.provenance["model"].adapter_sha256 is None
    assert tuned.mean_total_effect < 0 < base.mean_total_effect  # the tune obeys, the base copies the word
    assert len(tuned.to_pandas()) == 8
    diff = rivalry.compare(base, tuned)
    assert diff.total_effect_change == pytest.approx(tuned.mean_total_effect - base.mean_total_effect)
    assert [c.site for c in diff.changes][:1] and diff.provenance["b"] == tuned.provenance["model"]
    _round_trip(tuned, tmp_path)
    _round_trip(diff, tmp_path)


def test_heads_and_attack(obedient, facts_results, tmp_path):
    heads = rivalry.heads(obedient, facts_results[1], limit=4, n_top=3, progress=False)
    ranked = [s.site for s in facts_results[1].sites if s.site.kind == "head"][:3]
    assert [h.site for h in heads.top_heads] == ranked  # the top heads are the run's most suppressive ones
    _round_trip(heads, tmp_path)
    attack = rivalry.attack(obedient, split="heldout", limit=2, templates=("topic",), n_heads=3, shortlist=2,
                            spearman_facts=0, selection_facts=4, min_clean_probability=0.0, progress=False)  # fmt: skip
    assert attack.attacks and all(0.0 <= a.success_rate <= 1.0 for a in attack.attacks)
    _round_trip(attack, tmp_path)


def test_genre_posterior_and_validation(smollm2, synthetic_pair, tmp_path):
    text = "Once upon a time, Luigi helped a lost toad find its way home."
    posterior = rivalry.genre_posterior(smollm2, text, genre_set="luigi-wario")
    final = posterior.to_pandas().iloc[-1]
    assert posterior.provenance["model"].name == "smollm2" and final.filter(like="hero").sum() > 0.5
    _round_trip(posterior, tmp_path)
    check = rivalry.validate_genres(synthetic_pair[0], n_docs=16, n_baseline_docs=64)
    assert check.mean_kl_nats_after_20_tokens < check.baseline_kl_nats_after_20_tokens  # beats naive Bayes
    _round_trip(check, tmp_path)


def test_base_vs_tuned_and_tug_of_war(synthetic_pair, tmp_path):
    base, tuned = synthetic_pair
    shift = rivalry.base_vs_tuned(base, tuned, samples=2, max_new_tokens=4, progress=False)
    assert shift.provenance["tuned"].name == "synthetic-genres-assistant"
    _round_trip(shift, tmp_path)
    tug = rivalry.tug_of_war(base, tuned, progress=False)
    assert tug.provenance["base"].name == "synthetic-genres" and len(tug.to_pandas()) > 0
    _round_trip(tug, tmp_path)


def test_tune_and_evaluate_obedience(smollm2, tmp_path):
    tune = rivalry.tune_obedience(smollm2, steps=1, batch_size=1, lora_rank=2, lora_layers=(29,), fact_limit=2,
                                  out=tmp_path / "adapter", progress=False)  # fmt: skip
    tuned = rivalry.load_model("smollm2", adapter=tune.adapter)
    assert tuned.provenance.adapter_sha256 == tune.adapter_sha256
    scores = rivalry.evaluate_obedience(smollm2, tuned, max_facts=2, formats=("prefill",), progress=False)
    assert scores.provenance["tuned"].adapter_sha256 == tune.adapter_sha256
    _round_trip(scores, tmp_path)
