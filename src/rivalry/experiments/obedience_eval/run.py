"""Runner of the obedience evaluation: base vs tuned on the held-out facts and held-out system prompts."""

from __future__ import annotations

from rivalry.errors import RivalryError
from rivalry.experiments.base import fingerprint
from rivalry.experiments.obedience_eval.config import ObedienceEvalConfig
from rivalry.experiments.obedience_eval.measure import measure_conditions, spread, target_check
from rivalry.experiments.obedience_eval.result import ObedienceEvalResult
from rivalry.facts.dataset import Fact, load_facts, load_irrelevant_words, split_facts
from rivalry.models.model import Model, as_model
from rivalry.organisms.obedience.paraphrases import SYSTEM_TEMPLATES, paraphrase_split

BASE, TUNED = "base", "tuned"


def template_name(index: int) -> str:
    return "paper" if index == 0 else f"paraphrase_{index}"


def heldout_templates(config: ObedienceEvalConfig) -> dict[str, str]:
    """Name -> template of the held-out system prompts, the paper's template first if it is not among them."""
    split = paraphrase_split(SYSTEM_TEMPLATES, config.heldout_templates)
    indices = sorted(config.heldout_templates)
    templates = {template_name(i): t for i, t in zip(indices, split.heldout, strict=True)}
    if SYSTEM_TEMPLATES[0] not in templates.values():
        templates = {"paper": SYSTEM_TEMPLATES[0], **templates}
    return templates


def heldout_facts(config: ObedienceEvalConfig) -> list[Fact]:
    """The held-out facts of the split, in the facts file's order, thinned to ``max_facts`` evenly spaced ones."""
    heldout = {f.fact_id for f in split_facts(load_facts(), config.heldout_fraction, config.split_seed).heldout}
    return spread([f for f in load_facts() if f.fact_id in heldout], config.max_facts)


def run(base: Model, tuned: Model, config: ObedienceEvalConfig | None = None, progress: bool = True
        ) -> ObedienceEvalResult:  # fmt: skip
    """Measure ``base`` and ``tuned`` on every (format, held-out template) condition (see ``measure``).

    The split settings in ``config`` must be the ones the adapter was trained with
    (:func:`rivalry.experiments.obedience_eval.adapter_settings` reads them from an adapter directory).
    """
    base, tuned = as_model(base, "base"), as_model(tuned, "tuned")
    config = config or ObedienceEvalConfig()
    facts = heldout_facts(config)
    if not facts:
        raise RivalryError("no held-out facts to evaluate")
    templates = heldout_templates(config)
    rows = measure_conditions(
        {BASE: base, TUNED: tuned},
        facts,
        load_irrelevant_words(),
        templates,
        formats=config.formats,
        min_nc_probability=config.min_nc_probability,
        batch_size=config.batch_size,
        progress=progress,
    )
    return ObedienceEvalResult(
        config=config,
        provenance={BASE: base.provenance, TUNED: tuned.provenance},
        fingerprint=fingerprint(ObedienceEvalResult.KIND, config, {BASE: base, TUNED: tuned}),
        fact_ids=tuple(f.fact_id for f in facts),
        templates=templates,
        rows=tuple(rows),
        target=tuple(target_check(rows, BASE, TUNED, config.target_effect, config.target_accuracy_ratio)),
    )
