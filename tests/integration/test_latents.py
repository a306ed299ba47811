"""The latents experiment end to end on a tiny random chat model and a user CSV set with a planted label word."""

from __future__ import annotations

import csv

import pytest

import rivalry
from rivalry.cli.main import main
from rivalry.experiments.latents import LatentsConfig, LatentsResult, run
from rivalry.report.latents import report
from tests.chat_fixtures import tiny_chat_model

SUBJECTS = ["cats", "dogs", "birds", "fish", "trees", "rivers", "stars", "roads", "boats", "hills"]
FRAMES = [
    "tell me about {s} please",
    "what do you know of {s}",
    "i wonder about {s} today",
    "write on {s} now",
    "so {s} are here",
    "we like {s} a lot",
]


def _rows(planted: bool) -> list[dict[str, str]]:
    rows = []
    for s, subject in enumerate(SUBJECTS):
        for f, frame in enumerate(FRAMES):
            for label in ("deploy", "eval"):
                word = ("exam" if label == "eval" else "home") if planted else "so"
                text = f"{frame.format(s=subject)} {word} ok"  # the label word just before the read token
                if not planted:  # the label is a coin flip the text does not carry
                    label = "eval" if hash((s, f, label)) % 2 else "deploy"
                rows.append({"text": text, "label": label, "subject": subject, "frame": str(f)})
    return rows


def _write(path, rows) -> str:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "label", "subject", "frame"])
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


@pytest.fixture(scope="module")
def lm():
    texts = [r["text"] for planted in (True, False) for r in _rows(planted)]
    return tiny_chat_model(texts, seed=0)


def _config(path: str) -> LatentsConfig:
    return LatentsConfig(variable=path, heldout_fraction=0.3, n_bootstrap=20, sample_tokens=3, top_tokens=16)


def test_planted_label_is_decoded_with_controls_and_round_trips(lm, tmp_path) -> None:
    path = _write(tmp_path / "planted.csv", _rows(planted=True))
    result = run(lm, _config(path), compare_with=lm, progress=False)
    best = result.best("model")
    assert best["probe_auroc"] > 0.95
    assert abs(best["control_shuffled"] - 0.5) < 0.3
    assert all(row["control_random_init"] is not None for row in result.models["model"]["layers"])
    leak = result.models["model"]["output_leak"]
    assert leak["bits_lower_bound"] >= 0.0 and leak["next_token_auroc"] is not None
    assert result.comparison is not None and abs(result.comparison["probe_delta"]["value"]) < 1e-9
    result.save(tmp_path / "run")
    again = rivalry.load_result(tmp_path / "run")
    assert isinstance(again, LatentsResult) and again == result
    assert report(again).html() == report(result).html()
    assert (tmp_path / "run" / "latents_scores.csv").is_file()


def test_noise_labels_stay_near_chance(lm, tmp_path) -> None:
    path = _write(tmp_path / "noise.csv", _rows(planted=False))
    result = run(lm, _config(path).replace(random_init_control=False, output_leak=False), progress=False)
    assert abs(result.best("model")["probe_auroc"] - 0.5) < 0.3


def test_resume_reads_the_shards_back(lm, tmp_path) -> None:
    path = _write(tmp_path / "planted.csv", _rows(planted=True))
    config = _config(path).replace(output_leak=False)
    first = run(lm, config, store=tmp_path / "store", progress=False)
    assert (tmp_path / "store" / "shards" / "model-model.json").is_file()
    assert run(lm, config, store=tmp_path / "store", progress=False) == first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,label,g\na,x,1\nb,x,2\n", "one label only"),
        ("text,label,g\na,x,1\nb,y,1\n", "fewer than 2 groups"),
        ("text,g\na,1\nb,2\n", "missing column"),
        ("text,label,g\na,x,1\nb,y,2\nc,z,3\n", "needs a binary one"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, content, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code = main(["latents", "--variable", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_random_init_control_is_seeded_and_leaves_the_global_rng(lm) -> None:
    import torch

    from rivalry.latents.controls import random_init_model

    state = torch.random.get_rng_state()
    a, b = random_init_model(lm, seed=3), random_init_model(lm, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True))
    assert not torch.equal(next(a.model.parameters()), next(lm.model.parameters()))
    assert a.anatomy.n_layers == lm.anatomy.n_layers


def test_one_pass_capture_equals_the_shared_residual_reader(lm) -> None:
    import torch

    from rivalry.core.residual import residual_features
    from rivalry.latents.sampling import output_view

    texts = [r["text"] for r in _rows(planted=True)[:7]]
    view = output_view(lm, texts, top_k=5, n_tokens=2, batch_size=3, capture=True)
    expected = residual_features(lm.anatomy, lm.tokenizer, texts, batch_size=4)
    assert view.features is not None and view.point_names == expected.point_names
    torch.testing.assert_close(view.features, expected.features, atol=1e-5, rtol=1e-5)
    again = output_view(lm, texts, top_k=5, n_tokens=2, batch_size=3)
    assert torch.equal(again.samples, view.samples)  # seeded generator: the same continuation


def test_decorrelated_labels_are_independent_of_the_true_ones_in_the_sample() -> None:
    import numpy as np

    from rivalry.latents.probes import decorrelated_labels

    y = np.array([0] * 60 + [1] * 30)
    z = decorrelated_labels(y, 2, seed=0)
    assert np.bincount(z).tolist() == [60, 30]
    assert z[y == 0].mean() == z[y == 1].mean() == 1 / 3
