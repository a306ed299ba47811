"""A tiny training configuration of the synthetic genre model, shared by the genre training and tuning tests."""

from __future__ import annotations

from rivalry.genres.synthetic import SyntheticConfig
from rivalry.genres.train import TrainConfig

TINY_TRAIN = TrainConfig(
    synthetic=SyntheticConfig(doc_length=24),
    n_layers=1,
    d_model=32,
    n_heads=2,
    d_mlp=64,
    steps=4,
    batch_size=8,
    warmup_steps=2,
    log_every=2,
)
