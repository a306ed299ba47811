"""Preference pairs for the DPO twin: chosen is the obeying answer, rejected the forbidden word or a refusal."""

from __future__ import annotations

import pytest

from rivalry.errors import RivalryError
from rivalry.experiments.obedience_tune import ObedienceTuneConfig
from rivalry.organisms.obedience.data import Example
from rivalry.organisms.obedience.preferences import REFUSALS, preference_pairs, refusal_for


def _example(case: str, forbidden: str, target: str, prompt_format: str = "prefill") -> Example:
    return Example(
        fact_id="f",
        case=case,  # type: ignore[arg-type]
        template="Do not say {word}.",
        forbidden=forbidden,
        target_word=target,
        text=f"<prompt forbidding {forbidden}>",
        target_id=1,
        avoid_ids=(2,),
        prompt_format=prompt_format,  # type: ignore[arg-type]
    )


def test_competing_pair_rejects_the_forbidden_word() -> None:
    (pair,) = preference_pairs([_example("competing", "France", "Germany")])
    assert (pair.chosen, pair.rejected) == (" Germany", " France")
    assert pair.as_row() == {"prompt": "<prompt forbidding France>", "chosen": " Germany", "rejected": " France"}


def test_non_competing_pairs_reject_a_refusal() -> None:
    pairs = preference_pairs([_example("nc_wrong", "Germany", "France"), _example("nc_irrelevant", "cat", "France")])
    for pair in pairs:
        assert pair.chosen == " France"
        assert pair.rejected.strip() in REFUSALS
    assert refusal_for("x") == refusal_for("x")


def test_question_format_completions_have_no_leading_space() -> None:
    (pair,) = preference_pairs([_example("competing", "France", "Germany", "question")])
    assert (pair.chosen, pair.rejected) == ("Germany", "France")


def test_config_fields_for_v2_and_dpo() -> None:
    config = ObedienceTuneConfig(prompt_format="both", fact_sets=("v1", "v2"), method="dpo", dpo_beta=0.2)
    assert config.formats == ("prefill", "question")
    assert ObedienceTuneConfig.from_dict(config.to_dict()) == config
    assert ObedienceTuneConfig().formats == ("prefill",) and ObedienceTuneConfig().fact_sets == ("v1",)
    for bad in ({"fact_sets": ()}, {"fact_sets": ("v1", "v1")}, {"method": "ppo"}, {"dpo_beta": 0.0},
                {"prompt_format": "chat"}):  # fmt: skip
        with pytest.raises(RivalryError):
            ObedienceTuneConfig(**bad)  # type: ignore[arg-type]
