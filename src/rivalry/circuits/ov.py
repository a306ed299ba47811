"""Each head's OV circuit projected to the vocabulary, and the paper's suppression score.

For head ``h`` of layer ``l``, source token ``s`` and target token ``t`` (both from a token subset)::

    x   = W_E_eff[s]                                  effective embedding (see rivalry.circuits.embedding)
    v   = W_V[kv(h)] norm_l(x) + b_V[kv(h)]           the layer's own input norm (gain and 1/rms), GQA kv head
    o   = W_O[:, h] v                                  head h's slice of the output projection
    M[s, t] = W_U[t] . (g_final * o)                   final norm gain only: a lone head's output has no rms

``M[s, t]`` is the logit the head writes on ``t`` when it attends entirely to ``s``. The suppression score
of Wang et al. (2023) is ``(mean diag(log_softmax(M)) - mean of all entries of log_softmax(M)) * d/(d-1)``,
the softmax over targets, ``d`` the subset size; it equals the mean over sources of ``M[s, s]`` minus the mean of
``M[s, t != s]``: negative when a head lowers the logit of the very token it attends to (copy suppression).
Their top-10 suppressor heads in Llama-2-7b-chat score -1.22, the other heads +0.118.

The subset is the answer tokens of the facts (one token per distinct answer, :func:`answer_token_subset`): the
tokens a forbidden-facts suppressor must suppress, all of one kind (places, languages, currencies, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float
from torch import Tensor
from transformers import PreTrainedTokenizerBase

from rivalry.circuits.circuit import HeadCircuits, head_index
from rivalry.circuits.embedding import effective_embedding
from rivalry.core.sites import Site
from rivalry.core.vocabulary import VocabularyIndex
from rivalry.facts.dataset import Fact
from rivalry.models.anatomy import output_weight


def answer_token_subset(tokenizer: PreTrainedTokenizerBase, facts: Sequence[Fact], vocab: VocabularyIndex) -> list[int]:
    """One token id per distinct one-token answer: the id of ``" " + answer`` if that is one token, else the lowest."""
    chosen = set()
    for answer in sorted({f.answer for f in facts}):
        ids = vocab.token_set(answer)
        if not ids:
            continue
        spaced = tokenizer(" " + answer, add_special_tokens=False)["input_ids"]
        chosen.add(spaced[0] if len(spaced) == 1 and spaced[0] in ids else min(ids))
    return sorted(chosen)


@dataclass(frozen=True)
class OVCircuits:
    """OV circuits of some heads on a token subset.

    Attributes:
        sites: the heads, in order.
        tokens: the subset's token ids (sources and targets, same order).
        logits: ``logits[i, s, t]``: logit head ``sites[i]`` writes on ``tokens[t]`` attending to ``tokens[s]``.
    """

    sites: tuple[Site, ...]
    tokens: tuple[int, ...]
    logits: Float[Tensor, "site source target"]

    @property
    def suppression_scores(self) -> Float[Tensor, " site"]:
        """``(mean diag(log_softmax M) - mean(log_softmax M)) * d/(d-1)`` per head (negative: suppression)."""
        d = len(self.tokens)
        log_probs = self.logits.log_softmax(-1)
        diag = log_probs.diagonal(dim1=-2, dim2=-1).mean(-1)
        return (diag - log_probs.mean((-2, -1))) * d / (d - 1)

    @property
    def self_effects(self) -> Float[Tensor, "site source"]:
        """Per source token: its own logit minus the mean logit of the other targets (negative: down-weighted)."""
        d = len(self.tokens)
        diag = self.logits.diagonal(dim1=-2, dim2=-1)
        others = (self.logits.sum(-1) - diag) / (d - 1)
        return diag - others

    def extreme_tokens(self, index: int, k: int, lowest: bool = True) -> list[tuple[int, float]]:
        """The ``k`` tokens head ``sites[index]`` down-weights most (``lowest``) or least, with their self effect."""
        effects = self.self_effects[index]
        order = effects.argsort(descending=not lowest)[:k]
        return [(self.tokens[int(i)], float(effects[i])) for i in order]


def ov_circuits(
    lm: object,
    tokens: Sequence[int],
    sites: Sequence[Site] | None = None,
    embedding: Float[Tensor, "n d_model"] | None = None,
) -> OVCircuits:
    """OV circuits of ``sites`` (default: every head) on ``tokens``; ``embedding`` may pass precomputed W_E_eff rows."""
    circuits = HeadCircuits.of(lm)
    anatomy = circuits.anatomy
    if len(tokens) < 2:
        raise ValueError("the OV suppression score needs at least two tokens")
    if sites is None:
        sites = [Site(layer, "head", h) for layer in range(anatomy.n_layers) for h in range(anatomy.n_heads)]
    x = effective_embedding(lm, tokens) if embedding is None else embedding
    w_out = anatomy.head_output_weights  # [layer, d_model, head, d_head]
    norm_weight = anatomy.final_norm.weight
    assert isinstance(norm_weight, Tensor)
    gain = norm_weight.detach().float() + anatomy.spec.norm_weight_offset
    unembed = output_weight(anatomy.unembed).detach().float()[torch.as_tensor(list(tokens))] * gain
    values: dict[int, Tensor] = {}
    blocks = []
    with torch.no_grad():
        for site in sites:
            if site.layer not in values:
                normed = circuits.input_norm[site.layer](x.to(anatomy.device))
                values[site.layer] = circuits.split(circuits.value[site.layer](normed).float())
            v = values[site.layer][:, circuits.kv_head(head_index(site))]  # [source, d_head]
            out = v @ w_out[site.layer, :, site.head].T  # [source, d_model]
            blocks.append(out @ unembed.T)  # [source, target]
    return OVCircuits(sites=tuple(sites), tokens=tuple(int(t) for t in tokens), logits=torch.stack(blocks).cpu())
