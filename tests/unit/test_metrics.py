"""Metrics on hand-built logits and vocabularies (no model)."""

from __future__ import annotations

import math

import pytest
import torch
from chat_fixtures import word_tokenizer

from rivalry.core.metrics import AnswerLogOdds, LogitDifference, answer_probability, log_odds_log10
from rivalry.core.positions import position_ids_from_mask, resolve_positions
from rivalry.core.sites import Site, site_order
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError


def test_log_odds_matches_definition():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
    ids = [[0, 2], [3]]
    probs = logits.softmax(-1)
    expected = [math.log10(p / (1 - p)) for p in (float(probs[0, 0] + probs[0, 2]), float(probs[1, 3]))]
    metric = AnswerLogOdds.from_token_sets(ids)
    kept = logits.clone()
    got = metric(logits, torch.tensor([0, 1]))
    assert torch.equal(logits, kept)  # metrics never modify their input
    assert got.tolist() == pytest.approx(expected, rel=1e-5)
    mask = torch.zeros(2, 4, dtype=torch.bool)
    mask[0, [0, 2]] = True
    mask[1, 3] = True
    assert log_odds_log10(logits, mask).tolist() == pytest.approx(expected, rel=1e-5)
    assert answer_probability(logits, mask).tolist() == pytest.approx([float(probs[0, 0] + probs[0, 2]), 0.25])


def test_log_odds_is_stable_near_certainty():
    logits = torch.tensor([[60.0, 0.0, 0.0]])
    got = AnswerLogOdds.from_token_sets([[0]])(logits.clone(), torch.tensor([0]))
    assert float(got) == pytest.approx((60.0 - math.log(2.0)) / math.log(10.0), rel=1e-5)


def test_consuming_log_odds_equals_the_pure_metric():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 50, generator=generator) * 8
    logits[0, 3] = 80.0  # near certainty
    logits[1] = float("-inf")
    logits[1, :4] = 0.0  # most of the vocabulary impossible
    metric = AnswerLogOdds.from_token_sets([[3], [0, 1], [5, 6, 7], [9], [10], [49]])
    rows = torch.tensor([0, 1, 2, 3, 4, 5])
    expected = metric(logits, rows)
    owned = logits.clone()
    torch.testing.assert_close(metric.consume(owned, rows), expected, rtol=1e-6, atol=1e-6)
    half = logits.to(torch.bfloat16)
    torch.testing.assert_close(metric.consume(half.clone(), rows), metric(half, rows))


def test_rows_select_each_rows_answer_set():
    logits = torch.tensor([[0.0, 5.0], [0.0, 5.0], [5.0, 0.0]])
    metric = AnswerLogOdds.from_token_sets([[1], [0]])
    values = metric(logits.clone(), torch.tensor([0, 1, 1]))
    assert values[0] > 0 > values[1] and values[2] > 0


def test_logit_difference():
    logits = torch.tensor([[1.0, 4.0, 2.0]])
    assert LogitDifference(torch.tensor([1]), torch.tensor([2]))(logits, torch.tensor([0])).item() == 2.0


def test_answer_token_set_uses_stripped_lower_case_text():
    tokenizer = word_tokenizer(["California california CALIFORNIA Cal Californian"])
    index = VocabularyIndex(tokenizer)
    names = {tokenizer.decode([i]) for i in index.token_set(" California ")}
    assert names == {"California", "california", "CALIFORNIA"}
    assert index.token_set("New York") == []
    with pytest.raises(RivalryError, match="not a single token"):
        index.require_token_set("New York")


def test_positions_count_real_tokens_under_any_padding():
    mask = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    assert resolve_positions(mask, -1).tolist() == [4, 4, 2]
    assert resolve_positions(mask, 0).tolist() == [2, 0, 0]
    assert position_ids_from_mask(mask)[0].tolist() == [0, 0, 0, 1, 2]
    with pytest.raises(RivalryError):
        resolve_positions(mask, 3)


def test_sites_labels_and_order():
    assert Site(3, "head", 5).label == "L3H5"
    assert Site(2, "mlp").label == "L2.mlp"
    assert Site.from_dict(Site(1, "head", 0).to_dict()) == Site(1, "head", 0)
    with pytest.raises(ValueError):
        Site(1, "head")
    order = site_order(2, 2, position_embedding=True, attention_bias=True)
    assert [s.label for s in order] == [
        "embed",
        "pos_embed",
        "L0H0",
        "L0H1",
        "L0.attn_bias",
        "L0.mlp",
        "L1H0",
        "L1H1",
        "L1.attn_bias",
        "L1.mlp",
    ]


def test_answer_stats_gives_probability_and_log_odds_without_touching_logits():
    from rivalry.core.metrics import answer_stats

    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
    kept = logits.clone()
    p, lo = answer_stats(logits, [[0, 2], [3]])
    probs = kept.softmax(-1)
    expected_p = [float(probs[0, 0] + probs[0, 2]), 0.25]
    assert p.tolist() == pytest.approx(expected_p, rel=1e-6)
    assert lo.tolist() == pytest.approx([math.log10(x / (1 - x)) for x in expected_p], rel=1e-5)
    assert torch.equal(logits, kept)
