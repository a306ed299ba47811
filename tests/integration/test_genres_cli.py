"""``rivalry genres`` end to end on the shipped synthetic-genres model (about 2 MB, loads in well under a second)."""

from __future__ import annotations

import csv
import json
import math

import pytest

from rivalry.cli.main import main
from rivalry.experiments.genre_validation.result import SUMMARY_KEYS as VALIDATION_KEYS

TEXT = "luigi said : thank you , my friend . the kind hero helped the village"


def test_shipped_model_loads():
    import rivalry

    lm = rivalry.load_model("synthetic-genres")
    assert lm.model.config.model_type == "llama"
    assert lm.tokenizer("<hero>").input_ids == [lm.tokenizer.bos_token_id, lm.tokenizer.convert_tokens_to_ids("<hero>")]


def test_validate_writes_finite_numbers(tmp_path, capsys):
    assert main(["genres", "--model", "synthetic-genres", "--validate", "--docs", "48", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "genre_validation.json").read_text())
    assert results["n_docs"] == 48 and results["model"] == "synthetic-genres"
    assert results["kind"] == "genre_validation" and results["corpus"]["tuning_prior"] is None
    assert "Genre validation" in (tmp_path / "report.html").read_text()
    printed = capsys.readouterr().out
    for key in VALIDATION_KEYS:
        assert math.isfinite(results[key]) and key in printed
    # the shipped model is close to the exact posterior, and far closer than naive Bayes
    assert results["mean_kl_nats_after_20_tokens"] < 0.05
    assert results["mean_kl_nats_after_20_tokens"] < results["baseline_kl_nats_after_20_tokens"]


def test_text_posterior_end_to_end(tmp_path, capsys):
    assert main(["genres", "--model", "synthetic-genres", "--text", TEXT, "--out", str(tmp_path)]) == 0
    assert "P(genre |" in capsys.readouterr().out
    data = json.loads((tmp_path / "genres.json").read_text())
    names = ["hero", "twin", "encyclopedia", "dialogue"]  # the synthetic model's tags are the default genres
    assert list(data["trajectories"]) == names
    n = len(TEXT.split())
    assert data["n_tokens"] == n == len(data["tokens"])
    for t in range(n):
        assert sum(data["trajectories"][g][t] for g in names) == pytest.approx(1.0, abs=1e-4)
    assert max(data["final_posterior"], key=data["final_posterior"].get) == "hero"
    assert {row["genre"] for row in data["reversibility"]["genres"]} == set(names)
    with (tmp_path / "genres.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == n and rows[0]["token"] == "luigi"
    assert all(sum(float(row[g]) for g in names) == pytest.approx(1.0, abs=1e-4) for row in rows)
    html = (tmp_path / "report.html").read_text()
    assert "Trajectories" in html and "Final posterior" in html
    assert (tmp_path / "genres.safetensors").is_file()
    assert data["provenance"]["model"]["name"] == "synthetic-genres" and data["config"]["genre_set"] is None


def test_custom_genre_file(tmp_path):
    genres = tmp_path / "two.yaml"
    genres.write_text(
        "name: two\ngenres:\n  - {name: kind, header: <hero>, prior: 1}\n  - {name: evil, header: <twin>, prior: 3}\n"
    )
    out = tmp_path / "out"
    assert (
        main(["genres", "--model", "synthetic-genres", "--text", TEXT, "--genres", str(genres), "--out", str(out)]) == 0
    )
    data = json.loads((out / "genres.json").read_text())
    assert list(data["final_posterior"]) == ["kind", "evil"]
    assert data["genre_set"]["genres"][1]["prior"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--validate", "--model", "MODEL_DIR"], "synthetic-genre model"),
        (["--model", "synthetic-genres"], "exactly one of --text"),
        (["--model", "synthetic-genres", "--text", "a", "--text-file", "f"], "exactly one of --text"),
        (["--model", "synthetic-genres", "--text-file", "MODEL_DIR/none.txt"], "text file not found"),
        (["--model", "synthetic-genres", "--text", "luigi", "--genres", "MODEL_DIR/bad.yaml"], "bad.yaml"),
        (["--model", "synthetic-genres", "--text", "luigi", "--genre-set", "nope"], "unknown genre set"),
        (["--model", "synthetic-genres", "--text", "luigi", "--genre-set", "neutral_texts"], "unknown genre set"),
        (["--model", "synthetic-genres", "--text", "luigi", "--docs", "5"], "--docs is a setting of --validate"),
        (["--model", "synthetic-genres", "--validate", "--text", "luigi"], "takes no text"),
        (["--model", "synthetic-genres", "--validate", "--genre-set", "luigi-wario"], "takes no text"),
        (["--model", "synthetic-genres", "--text", "luigi", "--chat"], "no chat template"),
        (["--model", "synthetic-genres", "--validate", "--docs", "0"], "--docs"),
        (["--model", "synthetic-genres", "--text", "luigi", "--high", "0.4"], "0 < low < high"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, extra, problem):
    (tmp_path / "bad.yaml").write_text("genres: []\n")
    args = ["genres", "--out", str(tmp_path / "out"), *(a.replace("MODEL_DIR", str(tmp_path)) for a in extra)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("rivalry: error:") and problem in err
    assert err.count("\n") == 1


def test_genre_set_flag_takes_a_shipped_name_or_a_file(tmp_path):
    """``--genre-set`` names a shipped set or a file; ``--genres FILE`` (today's flag) still works."""
    out = tmp_path / "named"
    assert main(["genres", "--model", "synthetic-genres", "--text", TEXT, "--genre-set", "luigi-wario",
                 "--out", str(out)]) == 0  # fmt: skip
    data = json.loads((out / "genres.json").read_text())
    assert data["genre_set"]["name"] == "luigi-wario" and data["config"]["genre_set"] == "luigi-wario"
    assert data["fingerprint"]["inputs"]["genre_set"] is not None  # a shipped set's content is hashed too
