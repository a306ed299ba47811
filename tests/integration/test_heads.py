"""Head mechanics on random tiny models: attention capture, OV circuits, the QK approximation, the exact search;
the ``rivalry heads`` experiment on a tiny chat model (typed result, save/load, report)."""

from __future__ import annotations

import csv
import json

import pytest
import torch
from chat_fixtures import tiny_chat_model
from heads_fixtures import forbidden_facts_result
from tiny_models import tiny_model

from rivalry.circuits.attention import attention_from_last
from rivalry.circuits.circuit import HeadCircuits, eager_attention
from rivalry.circuits.ov import ov_circuits
from rivalry.circuits.search import approx_slot_attention, exact_slot_attention
from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.experiments.base import load_result
from rivalry.experiments.forbidden_facts.prompts import PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION
from rivalry.experiments.heads import HeadsConfig, HeadsResult
from rivalry.experiments.heads import run as run_heads
from rivalry.experiments.heads.result import HEAD_COLUMNS
from rivalry.facts.dataset import load_facts, load_irrelevant_words, select_split
from rivalry.report.heads import report
from rivalry.report.page import render_page

LLAMA_LIKE = ("llama", "mistral", "qwen2", "gemma", "gemma2")


def _eager_attentions(model, ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
    with eager_attention(model), torch.no_grad():
        return model(ids[None], output_attentions=True).attentions


@pytest.mark.parametrize("family", LLAMA_LIKE)
def test_attention_capture_matches_output_attentions(family):
    model = tiny_model(family)
    torch.manual_seed(1)
    long, short = torch.randint(3, 97, (11,)), torch.randint(3, 97, (7,))
    ids = torch.zeros(2, 11, dtype=torch.long)
    mask = torch.zeros(2, 11, dtype=torch.long)
    ids[0], mask[0] = long, 1
    ids[1, 4:], mask[1, 4:] = short, 1  # left padding
    captured = attention_from_last(model, ids, mask)
    before = model.config._attn_implementation
    for row, tokens in enumerate((long, short)):
        reference = _eager_attentions(model, tokens)
        for layer, weights in enumerate(reference):
            got = captured.weights[row, layer][:, 11 - tokens.shape[0] :]
            torch.testing.assert_close(got, weights[0, :, -1], atol=1e-5, rtol=1e-4)
    assert model.config._attn_implementation == before


def test_eager_switch_is_restored_after_an_error():
    model = tiny_model("llama")
    before = model.config._attn_implementation
    with pytest.raises(ValueError), eager_attention(model):
        assert model.config._attn_implementation == "eager"
        raise ValueError
    assert model.config._attn_implementation == before


@pytest.mark.parametrize("family", ["gpt2", "gpt_neox"])
def test_fused_qkv_families_are_refused(family):
    with pytest.raises(RivalryError, match=f"head circuits are not supported for {family} yet"):
        HeadCircuits.of(tiny_model(family))


@pytest.mark.parametrize("family", LLAMA_LIKE)
def test_ov_circuit_matches_brute_force(family):
    model = tiny_model(family)
    tokens = [5, 17, 42, 60, 88]
    sites = [Site(0, "head", 1), Site(2, "head", 3)]
    ov = ov_circuits(model, tokens, sites)
    base, d_head = model.model, model.config.head_dim if hasattr(model.config, "head_dim") else 12
    with torch.no_grad():
        ids = torch.tensor(tokens)[:, None]
        effective = base(ids, output_hidden_states=True).hidden_states[1][:, 0]  # after block 0, token alone
        offset = 1.0 if family.startswith("gemma") else 0.0
        for i, site in enumerate(sites):
            attn = base.layers[site.layer].self_attn
            values = attn.v_proj(base.layers[site.layer].input_layernorm(effective))
            group = model.config.num_attention_heads // model.config.num_key_value_heads
            kv = site.head // group
            z = torch.zeros(len(tokens), model.config.num_attention_heads * d_head)
            z[:, site.head * d_head : (site.head + 1) * d_head] = values[:, kv * d_head : (kv + 1) * d_head]
            out = attn.o_proj(z) - (attn.o_proj.bias if attn.o_proj.bias is not None else 0)
            logits = model.lm_head(out * (base.norm.weight + offset))[:, tokens]
            torch.testing.assert_close(ov.logits[i], logits, atol=1e-5, rtol=1e-4)


def test_suppression_score_is_diagonal_minus_off_diagonal_mean():
    model = tiny_model("llama")
    ov = ov_circuits(model, [4, 9, 20, 31], [Site(1, "head", 0)])
    m = ov.logits[0]
    off = m[~torch.eye(4, dtype=torch.bool)].mean()
    torch.testing.assert_close(ov.suppression_scores[0], m.diagonal().mean() - off)


@pytest.mark.parametrize("family", LLAMA_LIKE)
def test_approx_score_is_exact_for_a_layer0_head(family):
    """In layer 0 the slot's key is its token's embedding and nothing else depends on the slot: exact."""
    model = tiny_model(family)
    torch.manual_seed(2)
    ids, slot, other = torch.randint(3, 97, (10,)), 5, 2
    site = Site(0, "head", 2)
    candidates = torch.arange(3, 30)
    approx = approx_slot_attention(model, ids, slot, [site], candidates)
    for c, score in zip(candidates.tolist(), approx.scores[:, 0].tolist(), strict=True):
        row = ids.clone()
        row[slot] = c
        weights = _eager_attentions(model, row)[0][0, site.head, -1]
        expected = float(torch.log(weights[slot] / weights[other]))
        assert score - float(approx.clean_scores[0, other]) == pytest.approx(expected, abs=1e-4)
        assert float(approx.weights[c - 3, 0]) == pytest.approx(float(weights[slot]), abs=1e-5)


def test_approx_score_is_exact_at_position_0_through_the_effective_embedding():
    """A token at position 0 only sees itself in block 0, so entering layer 1 it *is* its effective embedding."""
    model = tiny_model("llama")
    torch.manual_seed(3)
    ids, site, other = torch.randint(3, 97, (9,)), Site(1, "head", 3), 4
    approx = approx_slot_attention(model, ids, 0, [site], ids[:1])
    weights = _eager_attentions(model, ids)[1][0, site.head, -1]
    expected = float(torch.log(weights[0] / weights[other]))
    assert float(approx.scores[0, 0] - approx.clean_scores[0, other]) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("family", ["llama", "qwen2", "gemma2"])
def test_exact_search_matches_a_naive_loop(family):
    model = tiny_model(family)
    torch.manual_seed(4)
    ids, slot = torch.randint(3, 97, (12,)), 4
    sites = [Site(0, "head", 1), Site(1, "head", 3), Site(2, "head", 0)]
    candidates = torch.arange(3, 23)
    naive = []
    for c in candidates:
        row = torch.cat([ids[:slot], c[None], ids[slot + 1 :]])
        attentions = _eager_attentions(model, row)
        naive.append([float(attentions[s.layer][0, s.head, -1, slot]) for s in sites])
    naive = torch.tensor(naive)
    cached = exact_slot_attention(model, ids, slot, sites, candidates, batch_size=7)
    plain = exact_slot_attention(model, ids, slot, sites, candidates, batch_size=7, use_cache=False)
    torch.testing.assert_close(cached, naive, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(plain, naive, atol=1e-5, rtol=1e-4)


@pytest.fixture(scope="module")
def chat_lm():
    facts = select_split(load_facts(), "heldout")[:3]
    texts = [f"{f.prompt} {f.answer} {f.wrong_answer} {f.subject}" for f in facts]
    return tiny_chat_model([*texts, *load_irrelevant_words(), PAPER_SYSTEM_TEMPLATE, PREFILL_INSTRUCTION])


def test_heads_result_is_consistent_and_saves_exactly(chat_lm, tmp_path):
    result = run_heads(chat_lm, HeadsConfig(split="heldout", limit=3, n_top=3, batch_size=2), progress=False)
    assert result.n_facts == 3 and result.mass_competing.shape == (3, 2, 4) and result.ov_scores.shape == (2, 4)
    assert result.selection.startswith("mass_competing") and len(result.top_heads) == 3
    scores = [h.suppressor_score for h in result.top_heads]
    assert scores == sorted(scores, reverse=True) and scores[0] == pytest.approx(float(result.scores.max()))
    assert all(len(h.down_weighted_most) == min(8, result.n_ov_tokens) for h in result.top_heads)
    assert result.example.heads == tuple(h.label for h in result.top_heads)
    for weights in result.example.weights:
        assert len(weights) == len(result.example.tokens) and sum(weights) == pytest.approx(1.0, abs=1e-5)
    mass = result.attention_mass
    assert mass.top_competing == pytest.approx(float(result.mass_competing.mean(0)[result.selected].mean()))
    result.save(tmp_path)
    loaded = HeadsResult.load(tmp_path)
    assert loaded == result and load_result(tmp_path) == result
    assert loaded.top_heads == result.top_heads and loaded.example == result.example
    assert torch.equal(loaded.mass_competing, result.mass_competing)
    assert render_page(report(loaded)) == render_page(report(result))
    saved = json.loads((tmp_path / "heads.json").read_text(), parse_constant=pytest.fail)
    for key in ("model", "settings", "n_facts", "n_ov_tokens", "selection", "top_heads", "attention_mass",
                "ov_suppression", "paper_llama2_7b_chat", "example"):  # fmt: skip
        assert key in saved
    assert set(saved["settings"]) >= {"model", "split", "limit", "n_top", "batch_size", "run_dir"}
    rows = list(csv.DictReader((tmp_path / "heads.csv").open()))
    assert len(rows) == 8 and tuple(rows[0]) == HEAD_COLUMNS
    assert list(result.to_pandas().columns) == list(HEAD_COLUMNS)
    assert "Top heads: attention and OV circuit" in render_page(report(result))


def test_heads_are_taken_from_a_forbidden_facts_result(chat_lm):
    source = forbidden_facts_result({Site(0, "mlp"): -2.0, Site(1, "head", 3): -0.9, Site(0, "head", 1): -0.4})
    config = HeadsConfig(split="heldout", limit=2, n_top=5)
    result = run_heads(chat_lm, config, source, run_dir="runs/ff", progress=False)
    assert [h.label for h in result.top_heads] == ["L1H3", "L0H1"]
    assert result.selection == "forbidden-facts run" and result.settings["run_dir"] == "runs/ff"
    assert result.fingerprint["heads_from"] == dict(source.fingerprint)
    with pytest.raises(RivalryError, match="0 of 1 facts kept"):
        run_heads(chat_lm, config, forbidden_facts_result({Site(0, "head", 0): -1.0}, empty=True), progress=False)


def test_notebook_calls_take_a_result_or_its_directory(chat_lm, tmp_path):
    import rivalry

    source = forbidden_facts_result({Site(1, "head", 0): -0.9, Site(0, "head", 2): -0.3})
    source.save(tmp_path / "ff")
    result = rivalry.heads(chat_lm, str(tmp_path / "ff"), split="heldout", limit=2, n_top=1, progress=False)
    assert [h.label for h in result.top_heads] == ["L1H0"] and result.settings["run_dir"] == str(tmp_path / "ff")
    assert rivalry.heads(chat_lm, source, split="heldout", limit=2, n_top=1, progress=False).run_dir is None
    result.save(tmp_path / "heads")
    attack = rivalry.attack(
        chat_lm, heads_from=tmp_path / "heads", limit=1, min_clean_probability=0.0, templates=("from",), shortlist=1,
        spearman_facts=0, progress=False,
    )  # fmt: skip
    assert [s.label for s in attack.heads] == ["L1H0"] and attack.settings["heads_from"] == str(tmp_path / "heads")
    with pytest.raises(RivalryError, match="holds a heads result, not a forbidden-facts run"):
        rivalry.heads(chat_lm, tmp_path / "heads", progress=False)
