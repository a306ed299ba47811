"""Weight orthogonalisation reproduces run-time directional ablation on a tiny random model of every family."""

from __future__ import annotations

import pytest
import torch

from rivalry.core.hooks import attached
from rivalry.core.residual import residuals_of_tokens
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy
from rivalry.models.model import Model
from rivalry.steering.interventions import ablation_hooks, addition_hooks
from rivalry.steering.orthogonalize import orthogonalized
from tests.tiny_models import FAMILIES, VOCAB, tiny_model


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(3, VOCAB, (3, 9), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, :3] = 0  # a left-padded row
    ids[1, :3] = 0
    return ids, mask


def _logits(model: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask, position_ids=position_ids).logits


def _direction(d_model: int, seed: int = 5) -> torch.Tensor:
    return torch.randn(d_model, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("family", FAMILIES)
def test_ablation_leaves_the_stream_orthogonal(family: str) -> None:
    model = tiny_model(family)
    anatomy = Anatomy.of(model)
    ids, mask = _batch()
    r = _direction(anatomy.d_model)
    clean = residuals_of_tokens(anatomy, ids, mask)
    stream = residuals_of_tokens(anatomy, ids, mask, extra_hooks=ablation_hooks(anatomy, r))
    r_hat = r / r.norm()
    assert float((clean @ r_hat).abs().max()) > 1e-2  # the direction was there before
    assert float((stream @ r_hat).abs().max()) < 1e-4


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "gemma2"])
def test_orthogonalised_weights_match_runtime_ablation(family: str) -> None:
    model = tiny_model(family)
    lm = Model.wrap(model, tokenizer=None, name=f"tiny-{family}")  # type: ignore[arg-type]
    ids, mask = _batch()
    r = _direction(lm.anatomy.d_model)
    with attached(ablation_hooks(lm.anatomy, r)):
        runtime = _logits(model, ids, mask)
    edited = orthogonalized(lm, r)
    baked = _logits(edited.model, ids, mask)
    clean = _logits(model, ids, mask)
    real = mask.bool()
    assert float((runtime - clean)[real].abs().max()) > 1e-3  # the edit changes something
    assert float((baked - runtime)[real].abs().max()) < 1e-4
    assert torch.equal(_logits(model, ids, mask), clean)  # the original is untouched


def test_tied_embeddings_are_untied() -> None:
    from transformers import AutoModelForCausalLM

    from tests.tiny_models import tiny_configs

    config = tiny_configs()["llama"]
    config.tie_word_embeddings = True
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    lm = Model.wrap(model, tokenizer=None, name="tied")  # type: ignore[arg-type]
    ids, mask = _batch()
    r = _direction(lm.anatomy.d_model)
    with attached(ablation_hooks(lm.anatomy, r)):
        runtime = _logits(model, ids, mask)
    baked = _logits(orthogonalized(lm, r).model, ids, mask)
    assert float((baked - runtime)[mask.bool()].abs().max()) < 1e-4


def test_gemma2_is_refused_with_one_line() -> None:
    lm = Model.wrap(tiny_model("gemma2"), tokenizer=None, name="g2")  # type: ignore[arg-type]
    with pytest.raises(RivalryError, match="post-norms"):
        orthogonalized(lm, _direction(lm.anatomy.d_model))


def test_zero_direction_and_bad_point_are_one_line_errors() -> None:
    anatomy = Anatomy.of(tiny_model("llama"))
    with pytest.raises(RivalryError, match="zero"):
        ablation_hooks(anatomy, torch.zeros(anatomy.d_model))
    with pytest.raises(RivalryError, match="out of range"):
        addition_hooks(anatomy, torch.ones(anatomy.d_model), anatomy.n_layers + 1)


def test_per_row_directions_match_one_at_a_time() -> None:
    model = tiny_model("qwen2")
    anatomy = Anatomy.of(model)
    ids, mask = _batch()
    stack = torch.stack([_direction(anatomy.d_model, seed) for seed in range(3)])
    with attached(addition_hooks(anatomy, stack, 1)):
        together = _logits(model, ids, mask)
    for row in range(3):
        with attached(addition_hooks(anatomy, stack[row], 1)):
            alone = _logits(model, ids[row : row + 1], mask[row : row + 1])
        real = mask[row].bool()
        assert torch.allclose(together[row][real], alone[0][real], atol=1e-5)
