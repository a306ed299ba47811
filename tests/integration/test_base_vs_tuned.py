"""Base vs tuned on two random tiny chat models (different seeds), save/load, the report, and the CLI's errors."""

from __future__ import annotations

import csv
import json
import math

import pytest
import torch
from chat_fixtures import tiny_chat_model

from rivalry.api.base_vs_tuned import base_vs_tuned
from rivalry.cli.main import main
from rivalry.errors import RivalryError
from rivalry.experiments.base import load_result
from rivalry.experiments.base_vs_tuned import (
    BaseVsTunedConfig,
    BaseVsTunedResult,
    answer_distribution,
    prior_shift,
    run,
    sample_continuations,
)
from rivalry.genres.headers import builtin_genre_set
from rivalry.io.store import RunStore
from rivalry.models.model import Model
from rivalry.report.base_vs_tuned import report
from rivalry.report.page import render_page

NEUTRAL = {
    "hero": ["the kind hero helped the village .", "luigi gave bread to the miller"],
    "twin": ["wario stole the bread at night ."],
}
NUMBERS = [str(i) for i in range(1, 11)]
QUESTIONS = {"number": ("Pick a random number between 1 and 10 .", NUMBERS), "die": ("Roll a die .", NUMBERS[:6])}
OPEN = ("Tell me a story .", "Describe the village .")
VOCAB = [*NEUTRAL["hero"], *NEUTRAL["twin"], " ".join(NUMBERS), *(q for q, _ in QUESTIONS.values()), *OPEN]
CONFIG = BaseVsTunedConfig(
    samples=4, max_new_tokens=6, seed=3, open_prompts=OPEN, questions=QUESTIONS, neutral_texts=NEUTRAL
)


@pytest.fixture(scope="module")
def pair():
    """Two random tiny chat models with distinct names (their identity: name and config hash)."""
    base, tuned = tiny_chat_model(VOCAB, seed=0), tiny_chat_model(VOCAB, seed=1)
    return Model.wrap(base.model, base.tokenizer, "tiny-base"), Model.wrap(tuned.model, tuned.tokenizer, "tiny-tuned")


@pytest.fixture(scope="module")
def result(pair):
    return run(*pair, CONFIG, progress=False)


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


def test_sampling_leaves_the_global_rng_alone(pair):
    """Sampling draws from its own generator: the global torch RNG state is unchanged and draws are seeded."""
    lm = pair[0]
    prompt = CONFIG.resolved(lm).render(lm, OPEN[0])
    torch.manual_seed(1234)
    state = torch.random.get_rng_state()
    first = sample_continuations(lm, prompt, 5, 6, seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert sample_continuations(lm, prompt, 5, 6, seed=7) == first
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.manual_seed(99)  # another global state gives the same draws
    assert sample_continuations(lm, prompt, 5, 6, seed=7) == first
    assert all(len(s) <= 6 for s in first)


def test_sampling_matches_generate(pair):
    """The sampling loop makes the draws ``generate(do_sample=True)`` makes after ``torch.manual_seed`` (CPU)."""
    lm = pair[1]
    prompt = CONFIG.resolved(lm).render(lm, OPEN[1])
    ids = torch.tensor([lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]] * 4)
    state = torch.random.get_rng_state()
    torch.manual_seed(11)
    with torch.no_grad():
        out = lm.model.generate(
            input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True, top_k=0, max_new_tokens=6,
            pad_token_id=lm.tokenizer.pad_token_id,
        )  # fmt: skip
    torch.random.set_rng_state(state)
    stops = {lm.tokenizer.convert_tokens_to_ids("<|im_end|>"), lm.tokenizer.eos_token_id}
    expected = []
    for row in out[:, ids.shape[1] :].tolist():
        cut = next((i for i, t in enumerate(row) if t in stops), len(row))
        expected.append(row[:cut])
    assert sample_continuations(lm, prompt, 4, 6, seed=11) == expected


def test_run_and_save(pair, result, tmp_path):
    again = run(*pair, CONFIG, progress=False)
    assert again.diversity == result.diversity  # seeded
    assert result.provenance["base"].name == "tiny-base" and result.provenance["tuned"].name == "tiny-tuned"
    assert result.config.prompt_style == "chat" and result.genre_posterior_shift is not None
    result.save(tmp_path)
    data = json.loads((tmp_path / "base_vs_tuned.json").read_text())
    assert data["settings"]["seed"] == 3 and len(data["mode_collapse"]) == 4 and len(data["diversity"]) == 4
    for key in ("base", "tuned", "settings", "neutral_texts", "prior_shift", "mode_collapse", "diversity",
                "diversity_mean", "genre_posterior_shift", "provenance", "fingerprint"):  # fmt: skip
        assert key in data
    assert data["provenance"]["tuned"]["name"] == "tiny-tuned"
    rows = list(csv.DictReader((tmp_path / "mode_collapse.csv").open()))
    assert len(rows) == 2 * (10 + 6)
    assert sum(float(r["probability"]) for r in rows if r["question"] == "Roll a die .") == pytest.approx(2.0, abs=1e-4)
    assert "Mode collapse" in render_page(report(result))
    frame = result.to_pandas()
    assert len(frame) == 32 and set(frame["model"]) == {"base", "tuned"}
    assert len(result.to_pandas("diversity")) == 4


def test_load_of_save_is_equal_and_renders_the_same_report(result, tmp_path):
    result.save(tmp_path)
    loaded = BaseVsTunedResult.load(tmp_path)
    assert loaded == result
    assert isinstance(load_result(tmp_path), BaseVsTunedResult)
    assert loaded.mode_collapse[0].answers == result.mode_collapse[0].answers
    assert loaded.diversity[0].ead == result.diversity[0].ead
    assert render_page(report(loaded)) == render_page(report(result))


def test_input_hashes_follow_content(tmp_path):
    texts = tmp_path / "texts.yaml"
    texts.write_text('hero:\n  - "luigi helped ."\n')
    config = BaseVsTunedConfig(prompt_style="chat", neutral_texts=str(texts), genre_set="luigi-wario")
    first = config.input_hashes()
    assert first["neutral_texts"] and first["genre_set"]
    texts.write_text('hero:\n  - "wario stole ."\n')
    assert config.input_hashes()["neutral_texts"] != first["neutral_texts"]
    shipped = BaseVsTunedConfig(prompt_style="chat").input_hashes()
    assert shipped["neutral_texts"] and shipped["genre_set"]  # the shipped files are hashed too
    inline = BaseVsTunedConfig(prompt_style="chat", genre_set=builtin_genre_set("luigi-wario"))
    assert inline.input_hashes()["genre_set"] is not None
    assert BaseVsTunedConfig.from_dict(inline.to_dict()) == inline


def test_resume_reads_back_and_refuses_another_pair(pair, result, tmp_path):
    store = tmp_path / "run"
    first = run(*pair, CONFIG, store=RunStore(store), progress=False)
    assert first == result
    resumed = run(*pair, CONFIG, store=store, progress=False)  # every unit read back
    assert resumed == result
    with pytest.raises(RivalryError, match="different"):
        run(pair[1], pair[0], CONFIG, store=store, progress=False)


def test_api_overrides(pair, result):
    same = base_vs_tuned(*pair, CONFIG, progress=False)
    assert same == result
    off = base_vs_tuned(*pair, CONFIG, genre_posterior_shift=False, samples=2, progress=False)
    assert off.genre_posterior_shift is None and off.config.samples == 2


def test_config_errors(tmp_path):
    with pytest.raises(RivalryError, match="at least 1"):
        BaseVsTunedConfig(samples=0)
    with pytest.raises(RivalryError, match="two non-empty candidate"):
        BaseVsTunedConfig(questions={"x": ("q", ["only"])})
    with pytest.raises(RivalryError, match="neutral texts file not found"):
        BaseVsTunedConfig(neutral_texts=str(tmp_path / "missing.yaml")).check_inputs()
    with pytest.raises(RivalryError, match="unknown genre set"):
        BaseVsTunedConfig(genre_set="no-such-set").check_inputs()


def test_cli_unknown_model_is_one_line(capsys, tmp_path):
    code = main(["base-vs-tuned", "--base", "no-such-model-xyz", "--tuned", "smollm2", "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rivalry: error:") and "\n" not in err


def test_cli_bad_input_fails_before_loading(capsys, tmp_path):
    code = main(["base-vs-tuned", "--neutral-texts", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "neutral texts file not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
