"""The bookkeeping of one slot search: ranking by measured effect, the answer's rank, the answer-free pick."""

from __future__ import annotations

import pytest

from rivalry.circuits.attack_search import SlotSearch
from rivalry.facts.dataset import load_facts


def _search(measured: dict[str, float]) -> SlotSearch:
    fact = load_facts()[0]
    return SlotSearch(
        fact=fact,
        template="from",
        forbidden="floor",
        attention_words=["Mesoam"],
        attention_rank=200,
        predicted_rank=2,
        shortlist={"French": -6.1, "France": -5.9, "Louis": -3.7, "Paris": -3.0},
        answer_words={"France"},
        free_words={"French", "Louis", "Paris"},
        measured=measured,
    )


def test_ranking_is_by_measured_effect_and_ties_fall_back_to_the_prediction():
    search = _search({"French": -1.0, "France": -2.5, "Louis": -0.2, "Paris": -1.0})
    assert search.ranked() == ["France", "French", "Paris", "Louis"]
    assert search.answer_rank == 1 and search.best == "France"
    assert search.best_answer_free == "French"


def test_answer_rank_counts_only_measured_words():
    search = _search({"French": -3.0, "Louis": -0.2, "Paris": -1.0})
    assert search.answer_rank is None
    search.measured["France"] = -2.0
    assert search.answer_rank == 2


def test_prediction_agreement_is_a_rank_correlation():
    search = _search({"French": -6.0, "France": -5.0, "Louis": -3.0, "Paris": -1.0})
    assert search.prediction_agreement() == pytest.approx(1.0)
