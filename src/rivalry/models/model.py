"""``rivalry.Model``: a Hugging Face causal LM, its tokenizer, its resolved anatomy and where it came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from rivalry.errors import RivalryError
from rivalry.io.atomic import json_ready
from rivalry.models.anatomy import Anatomy
from rivalry.models.architectures import ArchitectureSpec, spec_for_model_type

DTYPE_NAMES = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16"}


@dataclass(frozen=True)
class Provenance:
    """Where a model came from, as recorded in every result and checked on resume.

    Attributes:
        name: what the user gave: a named model (``smollm2-obedient``), a directory, a hub id, or a label.
        source: the resolved base (a directory or hub id); informative, not part of the identity.
        base_sha256: identity of the base weights: a hash of the shipped files for named models, of
            ``config.json`` and the weight files' names and sizes for a directory, the hub revision for a hub id,
            or of the config for a wrapped in-memory model.
        adapter: the LoRA adapter directory merged in, if any (informative).
        adapter_sha256: content hash of the adapter's files (identity).
        dtype: ``float32``, ``float16`` or ``bfloat16``.
        device: the device the weights live on (``cpu``, ``cuda:0``); its class is part of the identity.
    """

    name: str
    source: str
    base_sha256: str
    adapter: str | None = None
    adapter_sha256: str | None = None
    dtype: str = "float32"
    device: str = "cpu"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        known: dict[str, Any] = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def identity(self) -> dict[str, Any]:
        """The fields that decide a run's numbers: what goes into a fingerprint (no machine-specific paths)."""
        return {
            "name": self.name,
            "base_sha256": self.base_sha256,
            "adapter_sha256": self.adapter_sha256,
            "dtype": self.dtype,
            "device_class": self.device.split(":")[0],
        }

    @property
    def label(self) -> str:
        """Short human label: the name, plus the adapter's folder name when a user's adapter was merged in."""
        shipped = self.adapter is not None and "/rivalry/data/adapters/" in self.adapter.replace("\\", "/")
        if self.adapter is None or shipped:
            return self.name
        return f"{self.name} + {self.adapter.rstrip('/').split('/')[-1]}"


class Model:
    """A causal LM ready for rivalry: ``model`` (plain transformers), ``tokenizer``, ``anatomy``, ``provenance``.

    Get one from :func:`rivalry.load_model` or wrap your own with :meth:`wrap`. Every public rivalry function
    takes a ``Model``; ``model.model`` is the Hugging Face module itself (hooks and generation work as usual).
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        provenance: Provenance,
        spec: ArchitectureSpec | None = None,
    ):
        self.model = model
        self.tokenizer = tokenizer
        self.provenance = provenance
        self.spec = spec or spec_for_model_type(model.config.model_type)

    @classmethod
    def wrap(cls, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, name: str | None = None) -> Model:
        """Wrap a transformers causal LM you built or loaded yourself (rivalry never modifies it or its tokenizer).

        Its identity is its ``name`` (default: ``config.name_or_path``) and :func:`weights_digest` (its config
        and a sample of every parameter), so two different sets of weights are never resumed into each other.
        """
        if not isinstance(model, PreTrainedModel):
            raise RivalryError(f"Model.wrap needs a transformers PreTrainedModel, got {type(model).__name__}")
        label = name or getattr(model.config, "name_or_path", "") or model.config.model_type
        provenance = Provenance(
            name=str(label), source="in-memory", base_sha256=weights_digest(model), dtype=dtype_name(model),
            device=str(first_device(model)),
        )  # fmt: skip
        return cls(model, tokenizer, provenance)

    @cached_property
    def anatomy(self) -> Anatomy:
        """The architecture table resolved against this model's modules (built once)."""
        return Anatomy(self.model, self.spec)

    @property
    def name(self) -> str:
        return self.provenance.name

    @property
    def device(self) -> torch.device:
        return first_device(self.model)

    def __repr__(self) -> str:
        p = self.provenance
        adapter = f", adapter={p.adapter_sha256[:12]}" if p.adapter_sha256 else ""
        return f"Model({p.name!r}, {self.spec.family}, {p.dtype}, {p.device}{adapter})"


@torch.no_grad()
def weights_digest(model: PreTrainedModel, sample: int = 4096) -> str:
    """SHA-256 of the config and, for every parameter, its name, shape and first ``sample`` values.

    Reading a sample keeps this fast for any model size (and on any device); any tuning or re-initialisation
    changes the leading values of the tensors it touches.
    """
    digest = hashlib.sha256(
        json.dumps(json_ready(model.config.to_dict()), sort_keys=True, default=str, allow_nan=False).encode()
    )
    for name, param in model.named_parameters():
        digest.update(f"{name}{tuple(param.shape)}".encode())
        digest.update(param.detach().reshape(-1)[:sample].float().cpu().numpy().tobytes())
    return digest.hexdigest()


def first_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def dtype_name(model: torch.nn.Module) -> str:
    dtype = next(model.parameters()).dtype
    return DTYPE_NAMES.get(dtype, str(dtype).removeprefix("torch."))


def as_model(value: object, role: str = "model") -> Model:
    """``value`` if it is a :class:`Model`; a plain transformers model is refused with a hint to wrap it."""
    if isinstance(value, Model):
        return value
    if isinstance(value, PreTrainedModel):
        raise RivalryError(f"{role}: got a bare transformers model; wrap it with rivalry.Model.wrap(model, tokenizer)")
    kind = type(value).__name__
    raise RivalryError(f"{role}: expected a rivalry.Model (rivalry.load_model or Model.wrap), got {kind}")
