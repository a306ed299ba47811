"""Forbidden-word spans, attacks on a tiny chat model (reproducible from the stored prompts), CLI errors."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict

import pytest
import torch
from chat_fixtures import tiny_chat_model
from heads_fixtures import forbidden_facts_result

from rivalry.circuits.attack import ATTACK_TEMPLATES, answer_free_token, mentions_answer
from rivalry.circuits.attention import forbidden_word_attention, forbidden_word_span
from rivalry.circuits.search import rank_of, spearman
from rivalry.cli import attack_cmd, heads_cmd
from rivalry.cli.main import main
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.errors import RivalryError
from rivalry.experiments.attack import AttackConfig, AttackResult
from rivalry.experiments.attack import run as run_attacks
from rivalry.experiments.attack.result import ATTACK_COLUMNS
from rivalry.experiments.base import load_result
from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION, build_fact_prompts
from rivalry.experiments.heads import heads_from_result
from rivalry.facts.dataset import load_facts, load_irrelevant_words, select_split
from rivalry.report.attack import report
from rivalry.report.page import render_page


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
    result = run_attacks(chat_lm, config, progress=False)
    result.save(tmp_path)
    assert [asdict(a) for a in result.attacks] == sorted(
        (asdict(a) for a in result.attacks), key=lambda a: -a["success_rate"]
    )
    assert result.baseline.attack == "from:answer"
    header = next(csv.reader((tmp_path / "attacks.csv").open()))
    assert {"attack", "fact_id", "answer", "prompt_clean", "prompt_attacked", "p_clean", "p_attacked"} <= set(header)
    vocab = VocabularyIndex(chat_lm.tokenizer)
    for row in result.rows[::5]:
        answer = vocab.token_set(row.answer)
        for column in ("clean", "attacked"):
            text = getattr(row, f"prompt_{column}")
            ids = torch.tensor([chat_lm.tokenizer(text, add_special_tokens=False)["input_ids"]])
            with torch.no_grad():
                probs = chat_lm.model(ids).logits[0, -1].softmax(-1)
            assert float(probs[answer].sum()) == pytest.approx(getattr(row, f"p_{column}"), rel=1e-4, abs=1e-7)
        assert row.effect_log10 == pytest.approx(row.lo_attacked - row.lo_clean)
    saved = json.loads((tmp_path / "attacks.json").read_text())
    assert saved["search"]["rank_agreement"][0]["n"] == 20
    searched = {(s.fact_id, s.template): s for s in result.searches}
    for row in result.rows:
        if row.source != "search":
            continue
        search = searched[(row.fact_id, row.template)]
        assert row.insertion == search.search
        measured = {w.word: w.measured for w in search.shortlist}
        # the measured shortlist effect of the chosen word is the attack's effect (same prompt, same model)
        assert measured[row.insertion] == pytest.approx(row.effect_log10, abs=0.01)
    assert [h["site"] for h in saved["head_statistics"]] == saved["heads"]
    assert all(0.0 <= h["mass_competing"] <= 1.0 for h in saved["head_statistics"])
    html = render_page(report(result))
    assert "Predicted vs measured" in html and "answer ranked first" in html and "The heads" in html
    # the search.csv cell is a view of the typed shortlist
    cells = [r["shortlist_predicted_measured"] for r in csv.DictReader((tmp_path / "search.csv").open())]
    assert cells[0].split(" | ")[0].startswith(result.searches[0].shortlist[0].word + " (")


def test_attack_result_saves_and_loads_exactly(chat_lm, tmp_path):
    config = AttackConfig(limit=2, min_clean_probability=0.0, n_heads=2, templates=("from", "topic"), shortlist=2)
    result = run_attacks(chat_lm, config, progress=False)
    result.save(tmp_path)
    loaded = AttackResult.load(tmp_path)
    assert loaded == result and load_result(tmp_path) == result
    assert loaded.searches == result.searches and loaded.rows == result.rows and loaded.heads == result.heads
    assert loaded.provenance["model"].name == "tiny-chat"
    assert render_page(report(loaded)) == render_page(report(result))
    assert list(result.to_pandas().columns) == list(ATTACK_COLUMNS) and len(result.to_pandas()) == len(result.rows)
    strict = json.loads((tmp_path / "attacks.json").read_text(), parse_constant=pytest.fail)
    assert {"model", "settings", "heads", "search", "attacks", "baseline", "best_answer_free"} <= set(strict)
    assert strict["settings"]["model"] == "tiny-chat" and strict["settings"]["heads_from"] is None


def test_attack_takes_its_heads_from_a_forbidden_facts_result(chat_lm):
    source = forbidden_facts_result({Site(1, "head", 2): -0.8, Site(0, "mlp"): -0.9, Site(0, "head", 3): -0.1})
    config = AttackConfig(limit=1, min_clean_probability=0.0, n_heads=2, templates=("from",), shortlist=1)
    result = run_attacks(chat_lm, config, source, heads_from_dir="somewhere", progress=False)
    assert [s.label for s in result.heads] == ["L1H2", "L0H3"]
    assert [h.label for h in result.head_statistics] == ["L1H2", "L0H3"]
    assert result.fingerprint["heads_from"] == dict(source.fingerprint)
    assert result.settings["heads_from"] == "somewhere"


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


def test_heads_from_a_forbidden_facts_run():
    source = forbidden_facts_result({Site(1, "head", 2): -0.5, Site(0, "mlp"): -0.9, Site(3, "head", 0): -0.7})
    assert [s.label for s in heads_from_result(source, 5)] == ["L3H0", "L1H2"]
    with pytest.raises(RivalryError, match="0 of 1 facts kept"):
        heads_from_result(forbidden_facts_result({Site(0, "head", 0): -0.5}, empty=True), 5)
    with pytest.raises(RivalryError, match="no head sites"):
        heads_from_result(forbidden_facts_result({Site(0, "mlp"): -0.5}), 5)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["attack", "--templates", "nope"], "unknown attack template"),
        (["attack", "--limit", "0"], "limit must be at least 1"),
        (["attack", "--shortlist", "0"], "shortlist must be at least 1"),
        (["attack", "--heads-from", "/no/such/dir"], "directory not found"),
        (["heads", "--run", "/no/such/dir"], "run directory not found"),
        (["heads", "--top", "0"], "at least 1"),
        (["attack", "--heads", "0"], "at least 1"),
        (["attack", "--templates"], "at least one attack template"),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rivalry: error:") and message in err and "\n" not in err


def test_cli_refuses_a_bad_run_before_loading_the_model(tmp_path, capsys, monkeypatch):
    """issue 11: `heads --run DIR` on a directory that is not a run (or an empty run) fails at once."""

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(heads_cmd, "load_model_from_args", no_model)
    monkeypatch.setattr(attack_cmd, "load_model_from_args", no_model)
    not_a_run = tmp_path / "not-a-run"
    not_a_run.mkdir()
    (not_a_run / "notes.txt").write_text("hello")
    empty = tmp_path / "empty"
    forbidden_facts_result({Site(0, "head", 0): -0.5}, empty=True).save(empty)
    cases = [
        (["heads", "--run", str(not_a_run)], "holds no rivalry result"),
        (["heads", "--run", str(empty)], "0 of 1 facts kept"),
        (["attack", "--heads-from", str(not_a_run)], "holds no rivalry result"),
        (["attack", "--heads-from", str(empty)], "0 of 1 facts kept"),
    ]
    for argv, message in cases:
        assert main([*argv, "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("rivalry: error:") and message in err and "\n" not in err, err


@pytest.mark.slow
def test_attacks_on_smollm2_reproduce_with_plain_transformers(smollm2, tmp_path):
    """The real model: the suppression search runs over the whole word vocabulary; stored effects reproduce."""
    config = AttackConfig(
        limit=6, min_clean_probability=0.2, n_heads=4, templates=("from",), shortlist=2, spearman_facts=0,
        selection_facts=4,
    )  # fmt: skip
    result = run_attacks(smollm2, config, progress=False)
    assert result.n_candidates > 30_000
    assert {r.source for r in result.rows} >= {"answer", "search", "attention"}
    vocab = VocabularyIndex(smollm2.tokenizer)
    for row in result.rows[::3]:
        answer = vocab.token_set(row.answer)
        for column in ("clean", "attacked"):
            text = getattr(row, f"prompt_{column}")
            ids = torch.tensor([smollm2.tokenizer(text, add_special_tokens=False)["input_ids"]])
            with torch.no_grad():
                probs = smollm2.model(ids).logits[0, -1].float().softmax(-1)
            assert float(probs[answer].sum()) == pytest.approx(getattr(row, f"p_{column}"), rel=1e-3, abs=1e-6)
