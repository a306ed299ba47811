"""The embedded SmolLM2-135M-Instruct: rivalry's hooks leave it untouched and its decomposition is exact."""

from __future__ import annotations

import csv

import pytest
import torch

import rivalry
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.experiments.forbidden_facts import ForbiddenFactsConfig
from rivalry.models.anatomy import Anatomy
from rivalry.prompts.chat import ChatTurns, encode_batch, render_chat

pytestmark = pytest.mark.smollm2

PROMPTS = ["The Eiffel Tower is in the city of", "The capital of Japan is", "Water is made of hydrogen and"]


def test_embedded_model_is_smollm2(smollm2):
    config = smollm2.model.config
    assert (config.model_type, config.num_hidden_layers, config.num_attention_heads) == ("llama", 30, 9)
    assert smollm2.tokenizer.chat_template and "<|im_start|>" in smollm2.tokenizer.chat_template
    assert smollm2.spec.family == "llama"


def test_logits_with_hooks_equal_plain_transformers(smollm2):
    batch = encode_batch(smollm2.tokenizer, PROMPTS)  # left-padded
    dec = rivalry.decompose(smollm2, batch["input_ids"], batch["attention_mask"])
    ours = Anatomy.of(smollm2).readout(dec.residual)
    for row, text in enumerate(PROMPTS):
        ids = smollm2.tokenizer(text, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            plain = smollm2.model(**ids).logits[0, -1]
        assert torch.allclose(ours[row], plain, atol=2e-3, rtol=1e-4)
        assert int(ours[row].argmax()) == int(plain.argmax())


def test_decomposition_is_exact(smollm2):
    text = render_chat(smollm2.tokenizer, ChatTurns(system="Answer in one word.", user=PROMPTS[0]))
    batch = encode_batch(smollm2.tokenizer, [text, PROMPTS[1]])
    dec = rivalry.decompose(smollm2, batch["input_ids"], batch["attention_mask"])
    assert len(dec.sites) == 1 + 30 * (9 + 1)
    assert dec.reconstruction_error() < 1e-4


def test_forbidden_facts_probabilities_reproduce(smollm2, tmp_path):
    config = ForbiddenFactsConfig(limit=3, batch_size=3, min_nc_probability=0.0, joint_facts=1, joint_ks=(1,))
    rivalry.forbidden_facts(smollm2, config, progress=False).save(tmp_path)
    vocab = VocabularyIndex(smollm2.tokenizer)
    rows = list(csv.DictReader((tmp_path / "facts.csv").open()))
    assert rows
    for row in rows:
        ids = vocab.token_set(row["answer"])
        encoded = smollm2.tokenizer(row["prompt_competing"], add_special_tokens=False, return_tensors="pt")
        with torch.no_grad():
            p = smollm2.model(**encoded).logits[0, -1].softmax(-1)[ids].sum()
        assert float(p) == pytest.approx(float(row["p_competing"]), rel=1e-3, abs=1e-5)


def test_resuming_a_run_of_smollm2_with_the_obedient_adapter_is_refused(smollm2, tmp_path):
    config = ForbiddenFactsConfig(limit=2, batch_size=2, min_nc_probability=0.0, joint_facts=0)
    rivalry.forbidden_facts(smollm2, config, store=tmp_path / "run", progress=False)
    obedient = rivalry.load_model("smollm2-obedient")
    assert obedient.provenance.adapter_sha256 and obedient.provenance.base_sha256 == smollm2.provenance.base_sha256
    with pytest.raises(rivalry.RivalryError, match="models.model.adapter_sha256"):
        rivalry.forbidden_facts(obedient, config, store=tmp_path / "run", progress=False)
