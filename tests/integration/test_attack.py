"""Forbidden-word spans, attacks on a tiny chat model (reproducible from the stored prompts), CLI errors."""

from __future__ import annotations

import csv
import json

import pytest
import torch
from chat_fixtures import tiny_chat_model

from rivalry.cli.main import main
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.facts.dataset import load_facts, load_irrelevant_words, select_split
from rivalry.forbidden.prompts import PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION, build_fact_prompts
from rivalry.heads.attack import ATTACK_TEMPLATES, answer_free_token, mentions_answer
from rivalry.heads.attack_run import AttackConfig, run_attacks
from rivalry.heads.attention import forbidden_word_attention, forbidden_word_span
from rivalry.heads.search import rank_of, spearman
from rivalry.heads.select import heads_from_run
from rivalry.report.heads import build_attack_report


@pytest.fixture(scope="module")
def chat_lm():
    facts = select_split(load_facts(), "heldout")[:3]
    texts = [f"{f.prompt} {f.answer} {f.wrong_answer} {f.subject}" for f in facts]
    texts += [*load_irrelevant_words(), *ATTACK_TEMPLATES.values(), PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION]
    return tiny_chat_model([*texts, "everywhere"])


def test_forbidden_word_span_finds_the_word_in_the_system_prompt(chat_lm):
    fact = load_facts()[0]
    prompts = build_fact_prompts(chat_lm.tokenizer, fact, load_irrelevant_words())
    system = PAPER_SYSTEM_TEMPLATE.format(word=fact.answer)
    span = forbidden_word_span(chat_lm.tokenizer, prompts.competing, fact.answer, system)
    ids = chat_lm.tokenizer(prompts.competing, add_special_tokens=False)["input_ids"]
    assert [chat_lm.tokenizer.decode([ids[i]]) for i in span] == [fact.answer]
    assert "system" in chat_lm.tokenizer.decode(ids[: span[0]])  # inside the system turn, not the user turn


def test_forbidden_word_span_covers_a_leading_space_token(smollm2):
    text = PAPER_SYSTEM_TEMPLATE.format(word="California")
    span = forbidden_word_span(smollm2.tokenizer, text, "California")
    ids = smollm2.tokenizer(text, add_special_tokens=False)["input_ids"]
    assert "".join(smollm2.tokenizer.decode([ids[i]]) for i in span).strip() == "California"


def test_forbidden_word_span_errors(chat_lm):
    with pytest.raises(Exception, match="does not occur"):
        forbidden_word_span(chat_lm.tokenizer, "You are an obedient assistant", "Paris")


def test_attention_mass_on_the_forbidden_word_is_a_share(chat_lm):
    fact = select_split(load_facts(), "heldout")[0]
    prompts = build_fact_prompts(chat_lm.tokenizer, fact, load_irrelevant_words())
    system = PAPER_SYSTEM_TEMPLATE.format(word=fact.answer)
    mass = forbidden_word_attention(chat_lm, [prompts.competing], [fact.answer], [system])
    assert mass.shape == (1, 2, 4) and bool(((mass >= 0) & (mass <= 1)).all())


def test_attack_effects_reproduce_with_plain_transformers(chat_lm, tmp_path):
    config = AttackConfig(limit=3, min_clean_probability=0.0, n_heads=2, spearman_facts=1, spearman_candidates=20)
    results = run_attacks(chat_lm, config, tmp_path)
    assert results["attacks"] == sorted(results["attacks"], key=lambda a: -a["success_rate"])
    assert results["baseline"]["attack"] == "from:answer"
    rows = list(csv.DictReader((tmp_path / "attacks.csv").open()))
    assert {"attack", "fact_id", "answer", "prompt_clean", "prompt_attacked", "p_clean", "p_attacked"} <= set(rows[0])
    vocab = VocabularyIndex(chat_lm.tokenizer)
    for row in rows[::5]:
        answer = vocab.token_set(row["answer"])
        for column in ("clean", "attacked"):
            ids = torch.tensor([chat_lm.tokenizer(row[f"prompt_{column}"], add_special_tokens=False)["input_ids"]])
            with torch.no_grad():
                probs = chat_lm.model(ids).logits[0, -1].softmax(-1)
            assert float(probs[answer].sum()) == pytest.approx(float(row[f"p_{column}"]), rel=1e-4, abs=1e-7)
        assert float(row["effect_log10"]) == pytest.approx(float(row["lo_attacked"]) - float(row["lo_clean"]))
    saved = json.loads((tmp_path / "attacks.json").read_text())
    assert saved["search"]["rank_agreement"][0]["n"] == 20
    searched = {(r["fact_id"], r["template"]): r for r in csv.DictReader((tmp_path / "search.csv").open())}
    for row in rows:
        if row["source"] != "search":
            continue
        search = searched[(row["fact_id"], row["template"])]
        assert row["insertion"] == search["search"]
        measured = dict(e.rsplit(" (", 1) for e in search["shortlist_predicted_measured"].split(" | "))
        # the measured shortlist effect of the chosen word is the attack's effect (same prompt, same model)
        assert float(measured[row["insertion"]].rstrip(")").split(" / ")[1]) == pytest.approx(
            float(row["effect_log10"]), abs=0.01
        )
    assert [h["site"] for h in saved["head_statistics"]] == saved["heads"]
    assert all(0.0 <= h["mass_competing"] <= 1.0 for h in saved["head_statistics"])
    html = build_attack_report(tmp_path).read_text()
    assert "Predicted vs measured" in html and "answer ranked first" in html and "The heads" in html


def test_word_checks_and_ranks():
    assert not answer_free_token("California", "california")
    assert not answer_free_token("Calif", "California") and answer_free_token("Oregon", "California")
    assert spearman(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([10.0, 20.0, 30.0])) == pytest.approx(1.0)
    assert spearman(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 2.0, 1.0])) == pytest.approx(-1.0)
    assert rank_of(torch.tensor([0.1, 0.9, 0.5]), torch.tensor([7, 8, 9]), [9]) == 2
    assert rank_of(torch.tensor([0.1]), torch.tensor([7]), [9]) is None


def test_mentions_answer(chat_lm):
    ids = chat_lm.tokenizer("Paris", add_special_tokens=False)["input_ids"]
    assert mentions_answer(chat_lm.tokenizer, "the Paris one", "paris", ids)
    assert not mentions_answer(chat_lm.tokenizer, "Berlin", "Paris", ids)


def test_heads_from_a_forbidden_facts_run(tmp_path):
    sites = [
        {"site": "L1H2", "kind": "head", "layer": 1, "head": 2, "effect_mean": -0.5},
        {"site": "L0.mlp", "kind": "mlp", "layer": 0, "head": None, "effect_mean": -0.9},
        {"site": "L3H0", "kind": "head", "layer": 3, "head": 0, "effect_mean": -0.7},
    ]
    (tmp_path / "results.json").write_text(json.dumps({"sites": sites}))
    assert [s.label for s in heads_from_run(tmp_path, 5)] == ["L3H0", "L1H2"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["attack", "--templates", "nope"], "unknown attack template"),
        (["attack", "--limit", "0"], "limit must be at least 1"),
        (["attack", "--shortlist", "0"], "shortlist must be at least 1"),
        (["attack", "--heads-from", "/no/such/dir"], "directory not found"),
        (["heads", "--run", "/no/such/dir"], "run directory not found"),
        (["heads", "--top", "0"], "at least 1"),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rivalry: error:") and message in err and "\n" not in err


@pytest.mark.slow
def test_attacks_on_smollm2_reproduce_with_plain_transformers(smollm2, tmp_path):
    """The real model: the suppression search runs over the whole word vocabulary; stored effects reproduce."""
    config = AttackConfig(
        limit=6, min_clean_probability=0.2, n_heads=4, templates=("from",), shortlist=2, spearman_facts=0,
        selection_facts=4,
    )  # fmt: skip
    results = run_attacks(smollm2, config, tmp_path)
    assert results["n_candidates"] > 30_000
    rows = list(csv.DictReader((tmp_path / "attacks.csv").open()))
    assert {r["source"] for r in rows} >= {"answer", "search", "attention"}
    vocab = VocabularyIndex(smollm2.tokenizer)
    for row in rows[::3]:
        answer = vocab.token_set(row["answer"])
        for column in ("clean", "attacked"):
            ids = torch.tensor([smollm2.tokenizer(row[f"prompt_{column}"], add_special_tokens=False)["input_ids"]])
            with torch.no_grad():
                probs = smollm2.model(ids).logits[0, -1].float().softmax(-1)
            assert float(probs[answer].sum()) == pytest.approx(float(row[f"p_{column}"]), rel=1e-3, abs=1e-6)
