"""Base vs tuned on two random tiny chat models (different seeds), and the CLI's error path."""

from __future__ import annotations

import csv
import json
import math

import pytest
from chat_fixtures import tiny_chat_model

from rivalry.cli.main import main
from rivalry.genres.tuning import (
    BaseVsTunedConfig,
    answer_distribution,
    prior_shift,
    run_base_vs_tuned,
    write_base_vs_tuned,
)

NEUTRAL = {
    "hero": ["the kind hero helped the village .", "luigi gave bread to the miller"],
    "twin": ["wario stole the bread at night ."],
}
NUMBERS = [str(i) for i in range(1, 11)]
QUESTIONS = {"number": ("Pick a random number between 1 and 10 .", NUMBERS), "die": ("Roll a die .", NUMBERS[:6])}
OPEN = ("Tell me a story .", "Describe the village .")
VOCAB = [*NEUTRAL["hero"], *NEUTRAL["twin"], " ".join(NUMBERS), *(q for q, _ in QUESTIONS.values()), *OPEN]


@pytest.fixture(scope="module")
def pair():
    return tiny_chat_model(VOCAB, seed=0), tiny_chat_model(VOCAB, seed=1)


def test_kl_of_a_model_with_itself_is_zero(pair):
    base, tuned = pair
    for shift in prior_shift(base, base, NEUTRAL):
        assert shift.kl_base_tuned == pytest.approx(0.0, abs=1e-6)
        assert shift.entropy_base == pytest.approx(shift.entropy_tuned)
    shifts = prior_shift(base, tuned, NEUTRAL)
    assert [s.genre for s in shifts] == ["hero", "twin"]
    assert all(s.kl_base_tuned > 0 for s in shifts)
    assert shifts[1].n_positions == 7  # 7 words, no BOS added by the word tokenizer, every position predicted


def test_answer_distribution_sums_to_one(pair):
    dist = answer_distribution(pair[0], "Roll a die .", NUMBERS[:6])
    assert sum(dist.probabilities) == pytest.approx(1.0)
    assert 0 < dist.coverage < 1
    assert dist.uniform_entropy == pytest.approx(math.log(6))
    assert 0 <= dist.entropy <= dist.uniform_entropy + 1e-9
    assert 0 <= dist.total_variation_to_uniform <= 1
    assert dist.prompt.endswith("<|im_start|>assistant\n")


def test_answer_scores_are_teacher_forced(pair):
    """P(answer) renormalised over two candidates equals the ratio of their exact sequence probabilities."""
    import torch

    lm = pair[0]
    dist = answer_distribution(lm, "Roll a die .", ["1", "2"])
    tok = lm.tokenizer
    end = tok.convert_tokens_to_ids("<|im_end|>")
    logp = []
    for answer in ["1", "2"]:
        ids = tok(dist.prompt, add_special_tokens=False)["input_ids"] + [tok.convert_tokens_to_ids(answer), end]
        with torch.no_grad():
            lp = torch.log_softmax(lm.model(torch.tensor([ids])).logits[0], -1)
        logp.append(float(lp[-3, ids[-2]] + lp[-2, ids[-1]]))
    expected = torch.softmax(torch.tensor(logp), 0)
    assert dist.probabilities == pytest.approx(expected.tolist(), abs=1e-5)


def test_run_and_write(pair, tmp_path):
    config = BaseVsTunedConfig(samples=4, max_new_tokens=6, seed=3, open_prompts=OPEN, questions=QUESTIONS)
    results = run_base_vs_tuned(*pair, config, neutral_texts=NEUTRAL)
    again = run_base_vs_tuned(*pair, config, neutral_texts=NEUTRAL)
    assert results["diversity"] == again["diversity"]  # seeded
    write_base_vs_tuned(results, tmp_path)
    data = json.loads((tmp_path / "base_vs_tuned.json").read_text())
    assert data["settings"]["seed"] == 3 and len(data["mode_collapse"]) == 4 and len(data["diversity"]) == 4
    rows = list(csv.DictReader((tmp_path / "mode_collapse.csv").open()))
    assert len(rows) == 2 * (10 + 6)
    assert sum(float(r["probability"]) for r in rows if r["question"] == "Roll a die .") == pytest.approx(2.0, abs=1e-4)
    assert "Mode collapse" in (tmp_path / "report.html").read_text()


def test_cli_unknown_model_is_one_line(capsys, tmp_path):
    code = main(["base-vs-tuned", "--base", "no-such-model-xyz", "--tuned", "smollm2", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rivalry: error:") and "\n" not in err
