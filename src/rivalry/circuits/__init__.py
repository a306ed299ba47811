"""Head circuits: where suppressor heads look, what their OV circuits do, and attacks built from them.

(The package is ``rivalry.circuits`` rather than ``rivalry.heads`` so that ``rivalry.heads(model, ...)`` stays the
notebook call: importing a subpackage of that name would replace the function on the ``rivalry`` module.)

One module per job: ``circuit`` (per-head modules, eager attention, rotary), ``attention`` (attention from the
predicting position, the forbidden word's span and mass), ``embedding`` (effective embedding), ``ov`` (OV
circuits and the suppression score), ``search`` (exact and approximate vocabulary attention search),
``suppression_search`` (attention x OV through the answer's gradient), ``attack_search`` (the searches at an attack
slot), ``attack`` (attack templates and scoring) and ``measures`` (per-head statistics). The experiments built on
them are in :mod:`rivalry.experiments.heads` (``rivalry heads``) and :mod:`rivalry.experiments.attack`.
"""

from rivalry.circuits.attention import (
    PromptAttention,
    attention_from_last,
    forbidden_word_attention,
    forbidden_word_span,
)
from rivalry.circuits.circuit import HeadCircuits, eager_attention
from rivalry.circuits.embedding import effective_embedding
from rivalry.circuits.ov import OVCircuits, answer_token_subset, ov_circuits
from rivalry.circuits.search import ApproxSearch, approx_slot_attention, candidate_keys, exact_slot_attention, spearman

__all__ = [
    "ApproxSearch",
    "HeadCircuits",
    "OVCircuits",
    "PromptAttention",
    "answer_token_subset",
    "approx_slot_attention",
    "attention_from_last",
    "candidate_keys",
    "eager_attention",
    "effective_embedding",
    "exact_slot_attention",
    "forbidden_word_attention",
    "forbidden_word_span",
    "ov_circuits",
    "spearman",
]
