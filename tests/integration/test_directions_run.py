"""The directions experiment end to end on a tiny chat model with a planted direction (seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rivalry.cli.main import main
from rivalry.errors import RivalryError
from rivalry.experiments.directions import DirectionsConfig, DirectionsResult, run
from rivalry.models.loading import load_model
from rivalry.report.directions import report
from tests.chat_fixtures import tiny_chat_model

WORDS = ("red", "blue", "green", "small", "big", "old", "new", "warm", "cold", "soft")
POSITIVE = [f"the {a} {b} cruel" for a in WORDS[:5] for b in WORDS[5:]]
NEGATIVE = [f"the {a} {b} kind" for a in WORDS[:5] for b in WORDS[5:]]


def _write_contrast(path: Path, positive: list[str], negative: list[str]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"name": "planted", "behaviour": " yes", "alternative": " no",
                                    "positive": positive, "negative": negative}))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def planted():
    """A tiny model whose 'cruel' embedding is its 'kind' embedding plus 3 v: the contrast's answer is v."""
    lm = tiny_chat_model([*POSITIVE, *NEGATIVE, "yes no"])
    embed = lm.model.get_input_embeddings().weight
    v = torch.randn(embed.shape[1], generator=torch.Generator().manual_seed(0))
    v = v / v.norm()
    tok = lm.tokenizer
    with torch.no_grad():
        embed[tok.convert_tokens_to_ids("cruel")] = embed[tok.convert_tokens_to_ids("kind")] + 3.0 * v
    return lm, v


def _config(contrast: Path, **overrides) -> DirectionsConfig:
    settings = dict(contrast=str(contrast), n_fit=16, n_eval=4, n_select=3, n_random=4, n_neutral=3, batch_size=8)
    return DirectionsConfig(**{**settings, **overrides})


def test_the_planted_direction_is_found_and_the_result_round_trips(planted, tmp_path: Path) -> None:
    lm, v = planted
    config = _config(_write_contrast(tmp_path / "c.yaml", POSITIVE, NEGATIVE))
    result = run(lm, config, progress=False)
    assert float(result.directions[0] @ v) / float(result.directions[0].norm()) > 0.999
    assert result.layers[0].heldout_auc == 1.0 and result.layers[0].heldout_separation > 0
    names = [row.name for row in result.interventions]
    assert names == ["ablation", "addition", "subtraction", "probe_ablation", "probe_addition"]
    for row in result.interventions:
        assert len(row.random_effects) == 4 and row.kl_neutral_nats >= 0.0
        assert row.random_p95 is not None and 0.0 <= (row.percentile or 0.0) <= 100.0
    result.save(tmp_path / "run")
    again = DirectionsResult.load(tmp_path / "run")
    assert again == result
    assert report(again).html() == report(result).html()
    assert (tmp_path / "run" / "directions_layers.csv").is_file()


def test_a_run_resumes_from_its_store(planted, tmp_path: Path) -> None:
    lm, _ = planted
    config = _config(_write_contrast(tmp_path / "c.yaml", POSITIVE, NEGATIVE), layer=1)
    first = run(lm, config, store=tmp_path / "store", progress=False)
    assert (tmp_path / "store" / "shards" / "fit.json").is_file()
    assert run(lm, config, store=tmp_path / "store", progress=False) == first
    assert first.selected_point == 1 and first.layers[0].select_ablation_effect is None


def test_bad_layer_and_zero_norm_are_one_line_errors(planted, tmp_path: Path) -> None:
    lm, _ = planted
    contrast = _write_contrast(tmp_path / "c.yaml", POSITIVE, NEGATIVE)
    with pytest.raises(RivalryError, match="out of range"):
        run(lm, _config(contrast, layer=99), progress=False)
    same = _write_contrast(tmp_path / "same.yaml", POSITIVE[:1] * 6, POSITIVE[:1] * 6)
    with pytest.raises(RivalryError, match="zero norm"):
        run(lm, _config(same), progress=False)


@pytest.fixture(scope="module")
def model_directory(planted, tmp_path_factory) -> Path:
    lm, _ = planted
    root = tmp_path_factory.mktemp("tiny-model")
    lm.model.save_pretrained(str(root), safe_serialization=True)
    lm.tokenizer.save_pretrained(str(root))
    return root


def test_cli_bad_input_is_one_line_and_exit_2(model_directory: Path, tmp_path: Path, capsys) -> None:
    empty = _write_contrast(tmp_path / "empty.yaml", POSITIVE, [])
    assert main(["directions", "--model", str(model_directory), "--contrast", str(empty), "--out",
                 str(tmp_path / "o1"), "--no-progress"]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert "negative side is empty" in err and len(err.splitlines()) == 1
    contrast = _write_contrast(tmp_path / "c.yaml", POSITIVE, NEGATIVE)
    assert main(["directions", "--model", str(model_directory), "--contrast", str(contrast), "--layer", "9",
                 "--out", str(tmp_path / "o2"), "--no-progress"]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert "out of range" in err and len(err.splitlines()) == 1
    same = _write_contrast(tmp_path / "same.yaml", POSITIVE[:1] * 6, POSITIVE[:1] * 6)
    assert main(["directions", "--model", str(model_directory), "--contrast", str(same),
                 "--out", str(tmp_path / "o3"), "--no-progress"]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert "zero norm" in err and len(err.splitlines()) == 1


def test_cli_orthogonalize_writes_a_loadable_model(model_directory: Path, tmp_path: Path) -> None:
    contrast = _write_contrast(tmp_path / "c.yaml", POSITIVE, NEGATIVE)
    out = tmp_path / "orth"
    args = ["directions", "--model", str(model_directory), "--contrast", str(contrast), "--orthogonalize",
            "--out", str(out), "--n-fit", "16", "--n-eval", "4", "--n-select", "2", "--n-random", "2",
            "--n-neutral", "3", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    edited = load_model(str(out))
    from rivalry.io.atomic import read_json

    record = read_json(out / "orthogonalization.json")
    assert record["check_max_logit_diff"] < 1e-4
    assert DirectionsResult.load(out / "run").selected_point == record["point"]
    assert edited.anatomy.d_model == len(record["direction"])


def test_orthogonal_to_mean_directions_have_no_mean_component(planted, tmp_path: Path) -> None:
    lm, v = planted
    config = _config(_write_contrast(tmp_path / "c.yaml", POSITIVE, NEGATIVE), orthogonal_to_mean=True, layer=0)
    result = run(lm, config, progress=False)
    from rivalry.core.residual import residual_features

    texts = [*POSITIVE, *NEGATIVE]
    mean = residual_features(lm.anatomy, lm.tokenizer, texts, "last", add_special_tokens=True).features.mean(1)
    cosine = (result.directions * mean).sum(-1) / (result.directions.norm(dim=-1) * mean.norm(dim=-1))
    assert float(cosine.abs().max()) < 0.2  # the fit items' mean, not every text's: small, not exactly zero


def test_refusal_contrast_on_a_chat_model_runs(tmp_path: Path) -> None:
    from rivalry.experiments.tug_of_war.requests import load_request_set
    from rivalry.steering.builtin import HARMLESS_QUESTIONS, REQUEST_OPENERS

    requests = load_request_set("smollm2")
    texts = [*HARMLESS_QUESTIONS, *REQUEST_OPENERS, "I'm sorry"]
    for request in requests.requests:
        texts += [request.system or "", request.refusal]
        texts += [f.user or "" for f in request.framings] + [f.prefill or "" for f in request.framings]
        texts += [f.in_genre for f in request.framings]
    lm = tiny_chat_model(texts)
    config = DirectionsConfig(contrast="refusal", n_fit=8, n_select=2, n_random=2, n_neutral=2, layer=1)
    result = run(lm, config, progress=False)
    assert result.contrast == "refusal" and result.score_unit.startswith("log-odds of refusal")
    subsets = {s for row in result.interventions for s in row.subsets}
    assert "plain" in subsets and "story-request" in subsets
