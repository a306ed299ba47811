"""``rivalry heads``: attention on the forbidden word and OV suppression for every head, top heads in detail."""

from __future__ import annotations

from collections.abc import Sequence

from rivalry.circuits.attention import attention_from_last
from rivalry.circuits.measures import head_statistics, measure_heads, usable_facts
from rivalry.circuits.ov import answer_token_subset
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.experiments.base import fingerprint, provenance_of
from rivalry.experiments.forbidden_facts.result import ForbiddenFactsResult
from rivalry.experiments.heads.config import HeadsConfig
from rivalry.experiments.heads.result import SELECTION_BY_SCORE, SELECTION_FROM_RUN, ExampleAttention, HeadsResult
from rivalry.experiments.heads.select import heads_from_result, top_heads
from rivalry.facts.dataset import load_irrelevant_words
from rivalry.models.model import Model, as_model
from rivalry.prompts.chat import encode_batch
from rivalry.prompts.facts import build_fact_prompts

KIND = HeadsResult.KIND


def run(
    model: Model,
    config: HeadsConfig | None = None,
    forbidden_facts_result: ForbiddenFactsResult | None = None,
    *,
    run_dir: str | None = None,
    progress: bool = True,
) -> HeadsResult:
    """Measure every head on the prompts of ``config.split`` and study the top ``config.n_top`` in detail.

    For each head: the attention its predicting position puts on the forbidden word (competing prompts, where it
    is the answer, and irrelevant-word prompts), and its OV suppression score on the answer tokens of the split.
    The top heads are the most suppressive heads of ``forbidden_facts_result`` when given (an empty one is
    refused), else those with the highest ``mass_competing x max(0, -ov_suppression)``. ``run_dir`` names where
    the forbidden-facts result was loaded from (recorded, informative).
    """
    model = as_model(model)
    config = config or HeadsConfig()
    source = forbidden_facts_result
    chosen_from = None if source is None else heads_from_result(source, config.n_top)
    tokenizer = model.tokenizer
    vocab = VocabularyIndex(tokenizer, model.anatomy.vocab_size)
    all_facts = usable_facts(config.split, vocab)
    facts = all_facts[: config.limit] if config.limit else all_facts
    words = load_irrelevant_words()
    prompts = [build_fact_prompts(tokenizer, f, words) for f in facts]
    tokens = answer_token_subset(tokenizer, all_facts, vocab)
    measures = measure_heads(model, prompts, tokens, config.batch_size, progress=progress)
    chosen = chosen_from if chosen_from is not None else top_heads(measures.scores, config.n_top)
    stamp = fingerprint(KIND, config, {"model": model})
    stamp["heads_from"] = None if source is None else dict(source.fingerprint)
    return HeadsResult(
        config=config,
        provenance=provenance_of({"model": model}),
        fingerprint=stamp,
        n_facts=len(facts),
        n_ov_tokens=len(tokens),
        selection=SELECTION_FROM_RUN if chosen_from is not None else SELECTION_BY_SCORE,
        top_heads=head_statistics(measures, chosen, tokenizer),
        example=example_attention(model, prompts[0].competing, chosen),
        mass_competing=measures.mass_competing.cpu(),
        mass_nc_irrelevant=measures.mass_nc_irrelevant.cpu(),
        ov_scores=measures.ov_scores.cpu(),
        run_dir=None if source is None else run_dir,
    )


def example_attention(model: Model, text: str, sites: Sequence[Site]) -> ExampleAttention:
    """Attention of ``sites`` from the predicting (last) position over one prompt's tokens (the report's heatmap)."""
    batch = encode_batch(model.tokenizer, [text])
    attention = attention_from_last(model, batch["input_ids"], batch["attention_mask"])
    return ExampleAttention(
        prompt=text,
        tokens=tuple(str(model.tokenizer.decode([t])) for t in batch["input_ids"][0].tolist()),
        heads=tuple(s.label for s in sites),
        weights=tuple(tuple(attention.weights[0, s.layer, s.head].tolist()) for s in sites),
    )
