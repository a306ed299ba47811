"""EAD on hand-made token lists, against a hand computation."""

from __future__ import annotations

import math

import pytest

from rivalry.experiments.base_vs_tuned import expectation_adjusted_distinct, expected_distinct


def test_expected_distinct_formula():
    assert expected_distinct(10, 3) == pytest.approx(10 * (1 - 0.9**3))
    assert expected_distinct(10, 0) == 0.0
    assert expected_distinct(50_000, 1) == pytest.approx(1.0)


def test_ead_by_hand():
    samples = [[1, 2, 3, 1], [1, 2, 4]]
    v = 10
    # unigrams: 7 in all, distinct {1, 2, 3, 4}
    assert expectation_adjusted_distinct(samples, 1, v) == pytest.approx(4 / (v * (1 - 0.9**7)))
    # bigrams within samples: (1,2) (2,3) (3,1) | (1,2) (2,4): 5 in all, 4 distinct; none across the boundary
    assert expectation_adjusted_distinct(samples, 2, v) == pytest.approx(4 / (v * (1 - 0.9**5)))
    # trigrams: (1,2,3) (2,3,1) | (1,2,4): 3, all distinct
    assert expectation_adjusted_distinct(samples, 3, v) == pytest.approx(3 / (v * (1 - 0.9**3)))


def test_ead_edge_cases():
    assert expectation_adjusted_distinct([[5]], 2, 10) == 0.0
    # all-identical tokens give 1 distinct out of C; a single n-gram is exactly "as expected"
    assert expectation_adjusted_distinct([[7]], 1, 1000) == pytest.approx(1.0)
    assert expectation_adjusted_distinct([[7] * 20], 1, 1000) < 0.06
    assert math.isfinite(expectation_adjusted_distinct([[0, 1]], 1, 1))
