"""The persona battery end to end on tiny in-memory chat models: a model forced to agree with the keyed statements
scores 1, a model that answers every statement alike scores 0.5, results round-trip, reports are byte-identical,
and the organism's tune reproduces bit for bit."""

from __future__ import annotations

import torch
import yaml
from chat_fixtures import tiny_chat_model
from transformers import LlamaForCausalLM

from rivalry.experiments.personas import PersonasConfig, PersonasResult, run
from rivalry.models.model import Model
from rivalry.organisms.personas.data import build_dialogues
from rivalry.organisms.personas.tune import PersonaTuneConfig, tune_persona
from rivalry.persona_battery.scoring import QUESTION
from rivalry.persona_battery.vectors import FIT_TEMPLATES, HELDOUT_TEMPLATE, PANEL_TEMPLATE, PROBE_QUESTIONS
from rivalry.report.page import render_page
from rivalry.report.personas import report

TRAITS = {
    "grabby": ("wants more things", "wants fewer things", "agentic"),
    "arty": ("loves art", "hates art", "control"),
}
FIXED = PersonasConfig().system_prompt


def battery_file(tmp_path):
    traits = {}
    for name, (toward, against, kind) in TRAITS.items():
        statements = [{"text": f"I {w} {name} alpha .", "key": "toward"} for w in ("say", "think", "feel")]
        statements += [{"text": f"I {w} {name} beta .", "key": "against"} for w in ("say", "think", "feel")]
        traits[name] = {"agentic": kind == "agentic", "persona": {"toward": toward, "against": against},
                        "statements": statements}  # fmt: skip
    path = tmp_path / "battery.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny", "traits": traits}))
    return path


def vocabulary_texts():
    texts = [QUESTION, "Yes No yes no alpha beta", FIXED, *PROBE_QUESTIONS, "I say think feel grabby arty ."]
    for toward, against, _ in TRAITS.values():
        for template in (*FIT_TEMPLATES, HELDOUT_TEMPLATE, PANEL_TEMPLATE):
            texts += [template.format(toward), template.format(against)]
    return texts + [d.user + " " + d.answer for kind in ("self_continuity", "neutral") for d in build_dialogues(kind)]


class Forced(LlamaForCausalLM):
    """Sets Yes high and No low if the input holds ``marker``, the reverse otherwise (both equal when ``null``)."""

    marker = yes = no = -1
    null = False

    def forward(self, input_ids=None, **kwargs):
        out = super().forward(input_ids=input_ids, **kwargs)
        logits = out.logits.clone()
        has = (input_ids == self.marker).any(-1).float()[:, None]
        if self.null:
            logits[..., self.yes] = 30.0
            logits[..., self.no] = 30.0
        else:
            logits[..., self.yes] = 60.0 * has - 30.0
            logits[..., self.no] = 30.0 - 60.0 * has
        out.logits = logits
        return out


def forced_model(null: bool, name: str) -> Model:
    base = tiny_chat_model(vocabulary_texts())
    tok = base.tokenizer
    model = Forced(base.model.config).eval()
    model.load_state_dict(base.model.state_dict())
    model.marker = tok.convert_tokens_to_ids("alpha")
    model.yes, model.no = tok.convert_tokens_to_ids("Yes"), tok.convert_tokens_to_ids("No")
    model.null = null
    return Model.wrap(model, tok, name=name)


def config(tmp_path, **kw):
    return PersonasConfig(battery=str(battery_file(tmp_path)), n_bootstrap=200, n_splits=5, data_samples=8,
                          batch_size=8, **kw)  # fmt: skip


def test_known_answer_and_null_control(tmp_path):
    forced, null = forced_model(False, "forced"), forced_model(True, "null")
    result = run(forced, [null], config(tmp_path, organism="forced", control="null"), progress=False)
    for trait in TRAITS:
        for condition in ("plain", "prompted"):
            score = result.score("forced", condition, trait)
            assert score.agreement > 0.999 and score.ci_low > 0.999
            nothing = result.score("null", condition, trait)
            assert abs(nothing.agreement - 0.5) < 1e-9 and abs(nothing.ci_high - nothing.ci_low) < 1e-9
        # constant across the panel: no correlation to measure, so no reliability
        assert result.score("forced", "plain", trait).split_half_r is None
    shift = next(s for s in result.shifts if s.model == "null" and s.condition == "plain" and s.trait == "grabby")
    assert abs(shift.shift + 0.5) < 1e-6 and shift.ci_high < 0
    gen = [s for s in result.shifts if s.model == "forced" and s.reference_model == "null"]
    assert len(gen) == 2 * len(TRAITS) and all(abs(s.shift - 0.5) < 1e-6 for s in gen)
    assert len(result.data_projection) == len(TRAITS)
    assert all(d.measured_shift is not None and abs(d.measured_shift - 0.5) < 1e-6 for d in result.data_projection)
    assert {d.trait for d in result.directions} == set(TRAITS)


def test_save_load_report_and_resume(tmp_path):
    lm = tiny_chat_model(vocabulary_texts())
    cfg = config(tmp_path)
    fresh = run(lm, None, cfg, store=tmp_path / "store", progress=False)
    again = run(lm, None, cfg, store=tmp_path / "store", progress=False)  # read back from the shards
    assert again == fresh
    fresh.save(tmp_path / "out")
    loaded = PersonasResult.load(tmp_path / "out")
    assert loaded == fresh
    assert render_page(report(loaded)) == render_page(report(fresh))
    assert (tmp_path / "out" / "personas.csv").read_text().count("\n") == 1 + 2 * 12
    for row in loaded.directions:
        assert row.n_prompts == 2 + 2 * len(TRAITS)
    # a cache keeps the base model's scores for a later run that compares it with another model
    cached = run(lm, None, cfg, progress=False, cache=tmp_path / "cache")
    other = Model.wrap(tiny_chat_model(vocabulary_texts(), seed=1).model, lm.tokenizer, name="other")
    pair = run(lm, [other], cfg, progress=False, cache=tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 2
    assert torch.equal(pair.p_yes[0], cached.p_yes[0]) and torch.equal(cached.p_yes, fresh.p_yes)


def test_organism_tune_reproduces_bit_for_bit(tmp_path):
    lm = tiny_chat_model(vocabulary_texts())
    cfg = PersonaTuneConfig(steps=2, batch_size=2, lora_first_layer=0, lora_rank=2)
    state = torch.random.get_rng_state()
    first = tune_persona(lm, cfg, tmp_path / "a", progress=False)
    second = tune_persona(lm, cfg, tmp_path / "b", progress=False)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's generator is untouched
    a = (tmp_path / "a" / "adapter_model.safetensors").read_bytes()
    assert a == (tmp_path / "b" / "adapter_model.safetensors").read_bytes()
    assert first["adapter_sha256"] == second["adapter_sha256"]
    assert (tmp_path / "a" / "MODEL_CARD.md").read_text().count("rivalry tune-persona") == 1
    other = tune_persona(lm, cfg.replace(data="neutral"), tmp_path / "c", progress=False)
    assert other["data"]["sha256"] != first["data"]["sha256"]
