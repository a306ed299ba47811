"""Train a tiny Llama-architecture model on the synthetic genre corpus, and save or load it.

A training sequence is ``<bos> [<tag>] w_1 .. w_L <eos>``: the tag opens ``tag_fraction`` of the documents, so
that the model learns both P(x | tag_g) = P_g(x) (the header method's likelihoods) and the untagged mixture.
Every step draws fresh documents, so there is no overfitting and every evaluation document is held out.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Self

import numpy as np
import torch
from jaxtyping import Int
from torch import Tensor
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from rivalry.errors import RivalryError
from rivalry.experiments.base import ExperimentConfig
from rivalry.genres.synthetic import Documents, GenreGenerator, SyntheticConfig
from rivalry.genres.tokenizer import build_word_tokenizer
from rivalry.io.atomic import json_ready, write_atomically

SYNTHETIC_CONFIG_FILE = "synthetic_config.json"
TRAIN_CONFIG_FILE = "train_config.json"
METRICS_FILE = "train_metrics.json"


@dataclass(frozen=True)
class TrainConfig(ExperimentConfig):
    """Model size and optimisation of a synthetic-genre training run.

    Attributes:
        synthetic: the corpus.
        n_layers: transformer blocks of the Llama model.
        d_model: residual width (head dim d_model / n_heads, no GQA).
        n_heads: attention heads per block.
        d_mlp: MLP width.
        steps: optimiser steps; each draws batch_size fresh documents.
        batch_size: documents per step.
        learning_rate: peak AdamW rate, after warmup_steps of linear warm-up, then cosine decay to 10%.
        warmup_steps: steps of linear warm-up.
        weight_decay: AdamW weight decay.
        grad_clip: gradient-norm clip.
        seed: seeds the initialisation (a torch.Generator) and the training documents (numpy).
        log_every: record the mean training loss every this many steps.
    """

    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    n_layers: int = 2
    d_model: int = 128
    n_heads: int = 4
    d_mlp: int = 512
    steps: int = 4000
    batch_size: int = 64
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    seed: int = 0
    log_every: int = 50

    def __post_init__(self) -> None:
        if min(self.n_layers, self.d_model, self.n_heads, self.d_mlp, self.steps, self.batch_size) < 1:
            raise RivalryError("model sizes, steps and batch size must be positive")
        if self.d_model % self.n_heads:
            raise RivalryError("d_model must be divisible by n_heads")
        if self.learning_rate <= 0 or self.warmup_steps < 0 or self.log_every < 1:
            raise RivalryError("learning rate must be positive, warm-up non-negative, log_every positive")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "synthetic": self.synthetic.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """A config from the layout of ``train_config.json`` (``synthetic`` nested; missing keys: defaults)."""
        data = dict(data)
        synthetic = data.pop("synthetic", None)
        config = super().from_dict(data)
        if synthetic is None:
            return config
        if not isinstance(synthetic, SyntheticConfig):
            if not isinstance(synthetic, Mapping):
                raise RivalryError("TrainConfig.synthetic: expected a mapping of corpus settings")
            synthetic = SyntheticConfig.from_dict(dict(synthetic))
        return dataclasses.replace(config, synthetic=synthetic)


class TrainResult(NamedTuple):
    model: LlamaForCausalLM
    tokenizer: PreTrainedTokenizerFast
    metrics: dict[str, object]


def synthetic_tokenizer(generator: GenreGenerator) -> PreTrainedTokenizerFast:
    """The word-level tokenizer of the generator's vocabulary and genre tags."""
    return build_word_tokenizer(generator.words, generator.tags)


def word_token_ids(generator: GenreGenerator, tokenizer: PreTrainedTokenizerFast) -> Int[np.ndarray, " word"]:
    """Token id of each generator word index."""
    ids = np.asarray(tokenizer.convert_tokens_to_ids(list(generator.words)), dtype=np.int64)
    if (ids == tokenizer.unk_token_id).any():
        raise RivalryError("the tokenizer does not know every word of the generator")
    return ids


def encode_documents(
    docs: Documents, generator: GenreGenerator, tokenizer: PreTrainedTokenizerFast
) -> tuple[Int[Tensor, "doc seq"], Int[Tensor, "doc seq"]]:
    """Input ids ``<bos> [<tag>] words <eos>`` (right-padded: untagged rows are one shorter) and attention mask."""
    n, length = docs.words.shape
    tag_ids = np.asarray(tokenizer.convert_tokens_to_ids(list(generator.tags)), dtype=np.int64)
    body = word_token_ids(generator, tokenizer)[docs.words]
    ids = np.full((n, length + 3), tokenizer.pad_token_id, dtype=np.int64)
    mask = np.zeros_like(ids)
    ids[:, 0] = tokenizer.bos_token_id
    tagged = docs.tagged
    ids[tagged, 1] = tag_ids[docs.genres[tagged]]
    ids[tagged, 2 : length + 2] = body[tagged]
    ids[tagged, length + 2] = tokenizer.eos_token_id
    ids[~tagged, 1 : length + 1] = body[~tagged]
    ids[~tagged, length + 1] = tokenizer.eos_token_id
    mask[ids != tokenizer.pad_token_id] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def build_model(
    config: TrainConfig, tokenizer: PreTrainedTokenizerFast, generator: torch.Generator | None = None
) -> LlamaForCausalLM:
    """A freshly initialised Llama model sized by ``config``.

    The initial weights are drawn from ``generator`` (default: a new one seeded with ``config.seed``), which is
    advanced by the draws. transformers initialises from torch's global generator, so the constructor runs on a
    forked global state set to ``generator``'s: the caller's global RNG is left exactly as it was, and the weights
    are those of seeding the global generator with ``config.seed`` (as the shipped ``synthetic-genres`` was made).
    """
    generator = generator or torch.Generator().manual_seed(config.seed)
    llama = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=config.d_model,
        intermediate_size=config.d_mlp,
        num_hidden_layers=config.n_layers,
        num_attention_heads=config.n_heads,
        num_key_value_heads=config.n_heads,
        max_position_embeddings=config.synthetic.doc_length + 3,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    with torch.random.fork_rng(devices=[]):
        torch.random.set_rng_state(generator.get_state())
        model = LlamaForCausalLM(llama).float()
        generator.set_state(torch.random.get_rng_state())
    return model


def _lr_factor(step: int, warmup_steps: int, steps: int) -> float:
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, steps - warmup_steps)
    return 0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, progress)))


class Schedule(NamedTuple):
    """Optimisation settings shared by training from scratch and fine-tuning."""

    steps: int
    batch_size: int
    learning_rate: float
    warmup_steps: int
    weight_decay: float
    grad_clip: float
    log_every: int


class LoopResult(NamedTuple):
    curve: list[tuple[int, float]]
    tokens: int
    seconds: float
    cpu_seconds: float


def optimise(
    model: LlamaForCausalLM,
    generator: GenreGenerator,
    tokenizer: PreTrainedTokenizerFast,
    schedule: Schedule,
    rng: np.random.Generator,
    progress: Callable[[int, float, LlamaForCausalLM], None] | None = None,
) -> LoopResult:
    """AdamW on fresh documents from ``generator`` (warm-up, then cosine decay to 10%); the model ends in eval mode.

    Loss: mean next-token cross-entropy over the non-pad targets of ``<bos> [<tag>] words <eos>``.
    """
    model.train()
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=schedule.learning_rate, weight_decay=schedule.weight_decay, betas=(0.9, 0.98)
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: _lr_factor(step, schedule.warmup_steps, schedule.steps)
    )
    curve: list[tuple[int, float]] = []
    running, tokens, start, cpu_start = [], 0, time.perf_counter(), time.process_time()
    for step in range(schedule.steps):
        ids, mask = encode_documents(generator.sample(schedule.batch_size, rng), generator, tokenizer)
        logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
        targets = ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), schedule.grad_clip)
        optimizer.step()
        scheduler.step()
        tokens += int(mask.sum())
        running.append(float(loss.detach()))
        if (step + 1) % schedule.log_every == 0 or step + 1 == schedule.steps:
            curve.append((step + 1, float(np.mean(running))))
            if progress is not None:
                progress(step + 1, curve[-1][1], model)
                model.train()
            running = []
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    model.eval()
    return LoopResult(curve=curve, tokens=tokens, seconds=seconds, cpu_seconds=cpu_seconds)


def train_synthetic_model(
    config: TrainConfig | None = None,
    progress: Callable[[int, float, LlamaForCausalLM], None] | None = None,
) -> TrainResult:
    """Train a tiny Llama model on fresh synthetic documents; reproducible for a given config (on one machine).

    Randomness: the initial weights from a ``torch.Generator`` seeded with ``config.seed``, the documents from
    ``numpy.random.default_rng([config.seed, 1])``; no global RNG is read or changed.

    ``progress(step, mean_loss, model)`` is called at every logged step (e.g. to print, or to evaluate the model;
    training resumes in train mode afterwards).

    Metrics: steps, wall and CPU seconds, tokens seen, the loss curve (mean training loss per ``log_every``
    steps) and the final loss, next to ``optimal_loss``, the exact Bayes-optimal value of that training loss, and
    ``optimal_word_nll``, the exact per-word loss of a model that knows the genre.
    """
    config = config or TrainConfig()
    generator = GenreGenerator(config.synthetic)
    tokenizer = synthetic_tokenizer(generator)
    model = build_model(config, tokenizer)
    schedule = Schedule(
        steps=config.steps,
        batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_steps,
        weight_decay=config.weight_decay,
        grad_clip=config.grad_clip,
        log_every=config.log_every,
    )
    curve, tokens, seconds, cpu_seconds = optimise(
        model, generator, tokenizer, schedule, np.random.default_rng([config.seed, 1]), progress
    )
    probe = generator.sample(1024, np.random.default_rng([config.seed, 2]))
    metrics: dict[str, object] = {
        "steps": config.steps,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "tokens_seen": tokens,
        "final_loss": curve[-1][1],
        "loss_curve": curve,
        "optimal_loss": optimal_training_loss(generator, probe),
        "optimal_word_nll": generator.exact_token_nll(probe.words, probe.genres),
        "config": config.to_dict(),
    }
    return TrainResult(model=model, tokenizer=tokenizer, metrics=metrics)


def optimal_training_loss(generator: GenreGenerator, docs: Documents) -> float:
    """The training loss (mean next-token NLL over non-pad targets) of the exact model, on ``docs``.

    Targets after ``<bos>``: the tag (-log(tag_fraction P(g))) or, untagged, the first word
    (-log((1 - tag_fraction) P(w_1))); then each word given the tag (-log P_g(w_t | w_<t)) or, untagged, given the
    words alone (the genre mixture); then ``<eos>``, certain at the fixed length.
    """
    fraction = generator.config.tag_fraction
    log_lik = generator.log_likelihoods(docs.words)  # [doc, genre, length]
    own = log_lik[np.arange(len(docs.genres)), docs.genres, -1]
    mixture = np.logaddexp.reduce(log_lik[:, :, -1] + np.log(generator.prior)[None], axis=1)
    with np.errstate(divide="ignore"):
        tagged = -(np.log(fraction) + np.log(generator.prior[docs.genres]) + own)
        untagged = -(np.log1p(-fraction) + mixture)
    total = np.where(docs.tagged, tagged, untagged).sum()
    targets = np.where(docs.tagged, docs.words.shape[1] + 2, docs.words.shape[1] + 1).sum()
    return float(total / targets)


def write_model_json(path: Path, data: object) -> None:
    """A model folder's JSON file, strict (a non-finite number is written as null, never as ``NaN``), in the
    layout the shipped folders use (two-space indent, ASCII, no trailing newline)."""
    write_atomically(path, json.dumps(json_ready(data), indent=2, allow_nan=False).encode("utf-8"))


def save_synthetic_model(
    directory: str | Path,
    model: LlamaForCausalLM,
    tokenizer: PreTrainedTokenizerFast,
    config: TrainConfig,
    metrics: dict[str, object] | None = None,
) -> Path:
    """Write model weights (safetensors), tokenizer files and the configs (JSON) to ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    write_model_json(directory / SYNTHETIC_CONFIG_FILE, config.synthetic.to_dict())
    write_model_json(directory / TRAIN_CONFIG_FILE, config.to_dict())
    if metrics is not None:
        write_model_json(directory / METRICS_FILE, metrics)
    return directory


class SyntheticModel(NamedTuple):
    model: LlamaForCausalLM
    tokenizer: PreTrainedTokenizerFast
    generator: GenreGenerator


def load_synthetic_model(directory: str | Path) -> SyntheticModel:
    """The model (eval mode), tokenizer and generator saved by ``save_synthetic_model``."""
    directory = Path(directory)
    if not (directory / SYNTHETIC_CONFIG_FILE).exists():
        raise RivalryError(f"{directory} holds no synthetic genre model ({SYNTHETIC_CONFIG_FILE} is missing)")
    synthetic = SyntheticConfig.from_dict(json.loads((directory / SYNTHETIC_CONFIG_FILE).read_text()))
    model = LlamaForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    tokenizer = PreTrainedTokenizerFast.from_pretrained(directory)
    return SyntheticModel(model=model, tokenizer=tokenizer, generator=GenreGenerator(synthetic))
