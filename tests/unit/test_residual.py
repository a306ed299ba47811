"""The residual-stream capture against the model's own hidden states, on every supported family."""

from __future__ import annotations

import pytest
import torch

from rivalry.core.residual import residual_features, residual_point_names, residuals_at, residuals_of_tokens
from rivalry.models.anatomy import Anatomy
from tests.chat_fixtures import tiny_chat_model
from tests.tiny_models import FAMILIES, VOCAB, tiny_model


def _batch(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, VOCAB, (3, 7), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, :2] = 0  # left padding
    mask[2, :4] = 0
    return ids, mask


@pytest.mark.parametrize("family", FAMILIES)
def test_points_match_hidden_states_and_logits(family: str) -> None:
    model = tiny_model(family)
    anatomy = Anatomy.of(model)
    ids, mask = _batch()
    last = torch.full((3,), 6)
    stream = residuals_at(anatomy, ids, mask, last)
    assert stream.shape == (anatomy.n_layers + 1, 3, anatomy.d_model)
    with torch.no_grad():
        out = model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=(mask.cumsum(-1) - 1).clamp(min=0),
            output_hidden_states=True,
        )
    for point in range(anatomy.n_layers):
        torch.testing.assert_close(stream[point], out.hidden_states[point][:, 6], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(anatomy.readout(stream[-1]), out.logits[:, 6], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("family", ["llama", "gpt2"])
def test_every_token_equals_the_per_position_reads(family: str) -> None:
    anatomy = Anatomy.of(tiny_model(family))
    ids, mask = _batch(1)
    tokens = residuals_of_tokens(anatomy, ids, mask)
    assert tokens.shape[1] == int(mask.sum())
    cursor = 0
    for row in range(3):
        for column in torch.nonzero(mask[row]).flatten().tolist():
            at = residuals_at(anatomy, ids, mask, torch.full((3,), column))
            torch.testing.assert_close(tokens[:, cursor], at[:, row], rtol=1e-5, atol=1e-5)
            cursor += 1


def test_batched_features_equal_one_text_at_a_time() -> None:
    texts = ["the cat sat on the mat", "a dog", "the bird sang a long song today"]
    model = tiny_chat_model(texts)
    for read_at in ("last", "all"):
        together = residual_features(model.anatomy, model.tokenizer, texts, read_at=read_at, batch_size=3)
        for index, text in enumerate(texts):
            alone = residual_features(model.anatomy, model.tokenizer, [text], read_at=read_at, batch_size=1)
            rows = together.text_index == index
            torch.testing.assert_close(together.features[:, rows], alone.features, rtol=1e-5, atol=1e-5)
            assert together.token_index[rows].tolist() == alone.token_index.tolist()
    n_tokens = [len(model.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    assert together.features.shape[1] == sum(n_tokens)
    assert together.point_names == tuple(residual_point_names(model.anatomy.n_layers))
