"""Direction finding, the control statistics and contrast files, without a model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rivalry.errors import RivalryError
from rivalry.experiments.directions import DirectionsConfig
from rivalry.steering.contrasts import load_contrast_file
from rivalry.steering.finding import auc, fit_probe, mean_difference, score_points, separation, unit
from rivalry.steering.measures import percentile, quantile, random_directions


def _planted(n: int = 200, d: int = 16, shift: float = 3.0, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    v = unit(torch.randn(d, generator=generator))
    x = torch.randn(2, n, d, generator=generator)
    y = (torch.arange(n) % 2).long()
    x[1] += shift * y[:, None].float() * v  # point 1 carries the label along v; point 0 does not
    return x, y, v


def test_a_planted_direction_is_found_and_scored_on_held_out_items() -> None:
    x, y, v = _planted()
    directions = mean_difference(x[:, :100], y[:100])
    cosine = float(unit(directions[1]) @ v)
    assert cosine > 0.9
    scores = score_points(directions, x[:, 100:], y[100:])
    assert scores.heldout_auc[1] > 0.95 and scores.heldout_separation[1] > 2.0
    assert 0.3 < scores.heldout_auc[0] < 0.7  # null point: no label there
    probe = fit_probe(x[1, :100], y[:100])
    assert probe.accuracy(x[1, 100:], y[100:]) > 0.9
    assert float(unit(probe.weight) @ v) > 0.7


def test_a_random_direction_is_a_null_control() -> None:
    x, y, v = _planted()
    r = random_directions(1, x.shape[-1], 1.0, seed=3)[0]
    projection = x[0, 100:] @ r
    assert abs(separation(projection, y[100:])) < 0.5
    shuffled = y[torch.randperm(200, generator=torch.Generator().manual_seed(1))]
    direction = mean_difference(x[:, :100], shuffled[:100])
    assert 0.3 < score_points(direction, x[:, 100:], shuffled[100:]).heldout_auc[1] < 0.7


def test_auc_and_separation_known_values() -> None:
    assert auc(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([0, 0, 1, 1])) == 1.0
    assert auc(torch.tensor([1.0, 1.0]), torch.tensor([0, 1])) == 0.5
    assert separation(torch.tensor([0.0, 0.0, 1.0, 1.0]), torch.tensor([0, 0, 1, 1])) == 0.0  # zero spread


def test_zero_norm_and_one_sided_inputs_are_one_line_errors() -> None:
    with pytest.raises(RivalryError, match="zero"):
        unit(torch.zeros(4))
    with pytest.raises(RivalryError, match="empty"):
        mean_difference(torch.zeros(1, 3, 4), torch.tensor([1, 1, 1]))


def test_random_directions_are_seeded_and_of_the_given_norm() -> None:
    a, b = random_directions(20, 8, 2.5, seed=0), random_directions(20, 8, 2.5, seed=0)
    assert torch.equal(a, b) and torch.allclose(a.norm(dim=-1), torch.full((20,), 2.5))
    assert not torch.equal(a, random_directions(20, 8, 2.5, seed=1))


def test_percentile_and_p95_respect_the_intended_sign() -> None:
    randoms = [float(i) for i in range(20)]
    assert percentile(100.0, randoms, +1) == 100.0
    assert percentile(-100.0, randoms, -1) == 100.0
    assert percentile(-100.0, randoms, +1) == 0.0
    assert quantile(randoms, 0.95) == pytest.approx(18.05)


def test_contrast_file_yaml_and_csv(tmp_path: Path) -> None:
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("behaviour: ' no'\npositive: [a b, c d]\nnegative: [e f, {text: g h, group: g}]\n")
    spec = load_contrast_file(yaml_file)
    assert spec.name == "c" and len(spec.positive) == 2 and spec.negative[1].groups == {"group": "g"}
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("side,text,behaviour\npositive,a b, no\npositive,c d,\nnegative,e f,\nnegative,g h,\n")
    assert load_contrast_file(csv_file).behaviour == " no"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("behaviour: x\npositive: [a, b]\nnegative: []\n", "negative side is empty"),
        ("behaviour: x\npositive: [a, b]\n", "negative side is empty"),
        ("positive: [a, b]\nnegative: [c, d]\n", "behaviour"),
        ("behaviour: x\npositive: [a]\nnegative: [c, d]\n", "at least 2"),
        ("[1, 2", "not valid YAML"),
    ],
)
def test_bad_contrast_files_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(RivalryError, match=message) as caught:
        load_contrast_file(path)
    assert "\n" not in str(caught.value)


def test_config_validation_and_round_trip() -> None:
    config = DirectionsConfig(contrast="refusal", layer=3, n_random=5)
    assert DirectionsConfig.from_dict(config.to_dict()) == config
    with pytest.raises(RivalryError, match="out of range"):
        DirectionsConfig(layer=-1)
    with pytest.raises(RivalryError, match="refusal_negatives"):
        DirectionsConfig(refusal_negatives="other")  # type: ignore[arg-type]
    with pytest.raises(RivalryError, match="not found"):
        DirectionsConfig(contrast="missing.yaml").check_inputs()


def test_paired_subsample_takes_pairs_from_the_same_groups() -> None:
    import numpy as np

    from rivalry.steering.contrasts import paired_subsample
    from rivalry.variables.schema import LabelledText, VariableSet

    items = tuple(
        LabelledText(text=f"{g}-{i}", label="positive" if i < 2 else "negative", groups={"g": str(g)})
        for g in range(4)
        for i in range(5)
    )
    variables = VariableSet("v", items, ("negative", "positive"), ("g",))
    rows = paired_subsample(variables, np.arange(len(items)), 6, seed=0)
    labels = variables.targets()[rows]
    assert len(rows) == 12 and labels.sum() == 6
    groups = [items[int(r)].groups["g"] for r in rows]
    for g in set(groups):  # every group gives as many positives as negatives
        mine = [int(labels[i]) for i, x in enumerate(groups) if x == g]
        assert sum(mine) * 2 == len(mine)
