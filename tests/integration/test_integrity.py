"""Bad input and interrupted runs: one clear line and exit 2, nothing earlier damaged, nothing mixed on resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chat_fixtures import forbidden_facts_chat_model, write_facts_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rivalry.cli.main import main
from rivalry.errors import RivalryError
from rivalry.io.store import RunStore


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny-chat-model"
    lm = forbidden_facts_chat_model()
    lm.model.save_pretrained(path)
    lm.tokenizer.save_pretrained(path)
    return path


@pytest.fixture
def facts_file(tmp_path) -> Path:
    return write_facts_file(tmp_path / "facts.jsonl")


def _args(model_dir: Path, facts_file: Path, out: Path, *extra: str) -> list[str]:
    return ["forbidden-facts", "--model", str(model_dir), "--facts", str(facts_file), "--batch-size", "2",
            "--min-nc-probability", "0", "--joint-facts", "2", "--joint-ks", "1", "--no-progress", "--out", str(out),
            *extra]  # fmt: skip


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _one_error_line(capsys, argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err and err.startswith("rivalry: error: "), err
    return err


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "rivalry.cli.main", *args]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=300)


@pytest.fixture
def crashed_run(model_dir, facts_file, tmp_path) -> Path:
    """A run killed (SIGKILL) after its second batch."""
    out = tmp_path / "run"
    killed = _cli(*_args(model_dir, facts_file, out), env={"RIVALRY_FAULT_KILL_AFTER_BATCH": "1"})
    assert killed.returncode == -9
    return out


def test_resume_refuses_another_dtype_and_changed_facts(capsys, crashed_run, model_dir, facts_file):
    before = _snapshot(crashed_run)
    err = _one_error_line(capsys, _args(model_dir, facts_file, crashed_run, "--resume", "--dtype", "bfloat16"))
    assert "models.model.dtype" in err
    with facts_file.open("a") as file:  # edited in place between the crash and the resume
        file.write(json.dumps({"fact_id": "x", "prompt": "Rome is in", "answer": "Italy", "wrong_answer": "Egypt"}))
    err = _one_error_line(capsys, _args(model_dir, facts_file, crashed_run, "--resume"))
    assert "inputs.facts" in err
    assert _snapshot(crashed_run) == before


def test_resume_refuses_another_model_and_adapter(capsys, crashed_run, model_dir, facts_file, tmp_path):
    from peft import LoraConfig, get_peft_model

    before = _snapshot(crashed_run)
    other = tmp_path / "other-model"
    lm = forbidden_facts_chat_model(seed=1)
    lm.model.save_pretrained(other)
    lm.tokenizer.save_pretrained(other)
    err = _one_error_line(capsys, _args(other, facts_file, crashed_run, "--resume"))
    assert "models.model" in err
    adapter = tmp_path / "adapter"
    base = forbidden_facts_chat_model().model
    get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False)).save_pretrained(adapter)
    err = _one_error_line(capsys, _args(model_dir, facts_file, crashed_run, "--resume", "--adapter", str(adapter)))
    assert "models.model.adapter_sha256" in err
    assert _snapshot(crashed_run) == before


def test_truncated_shard_names_the_file(capsys, crashed_run, model_dir, facts_file):
    shard = crashed_run / "shards" / "batch-00001.json"
    shard.write_bytes(shard.read_bytes()[:20])
    err = _one_error_line(capsys, _args(model_dir, facts_file, crashed_run, "--resume"))
    assert str(shard) in err and "delete it and run again with --resume" in err


def test_unwritable_out_fails_before_the_model_loads(capsys, facts_file, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    no_model = tmp_path / "no-such-model-dir-yet"  # the out check comes first, so the model is never looked at
    for out, expected in ((blocker, "is not a directory"), (Path("/proc/rivalry-run"), "cannot write")):
        err = _one_error_line(capsys, _args(no_model, facts_file, out))
        assert expected in err and str(out) in err
    assert blocker.read_text() == "keep me"


def test_template_with_other_braces_is_refused_and_leaves_nothing(capsys, model_dir, facts_file, tmp_path):
    out = tmp_path / "run"
    template = 'Reply in JSON like {"answer": "..."}. Never say {word}.'
    err = _one_error_line(capsys, _args(model_dir, facts_file, out, "--system-template", template))
    assert "{{ and }}" in err
    assert not out.exists()
    escaped = 'Reply in JSON like {{"answer": "..."}}. Never say {word}.'
    assert main(_args(model_dir, facts_file, out, "--system-template", escaped)) == 0


def test_tokenizer_without_chat_template_leaves_the_out_fresh(capsys, model_dir, facts_file, tmp_path):
    bare = tmp_path / "bare-model"
    lm = forbidden_facts_chat_model()
    lm.model.save_pretrained(bare)
    tokenizer = lm.tokenizer
    tokenizer.chat_template = None
    tokenizer.save_pretrained(bare)
    for name in ("chat_template.jinja", "chat_template.json"):
        (bare / name).unlink(missing_ok=True)
    out = tmp_path / "run"
    assert "chat template" in _one_error_line(capsys, _args(bare, facts_file, out))
    assert not (out / "run.json").exists()
    assert main(_args(model_dir, facts_file, out)) == 0  # the same --out is usable at once


def test_a_run_that_keeps_nothing_exits_0_with_an_explicit_empty_result(capsys, model_dir, tmp_path):
    facts = write_facts_file(tmp_path / "multi.jsonl", [("nyc", "The Empire State Building is in", "Manhattan", "x")])
    out = tmp_path / "run"
    capsys.readouterr()
    assert main(_args(model_dir, facts, out)) == 0
    printed = capsys.readouterr().out
    assert "0 of 1 facts kept (multi_token_answer: 1); nothing to rank" in printed
    results = json.loads((out / "results.json").read_text())
    assert results["mean_total_effect_log10"] is None and results["direction"] == "undefined"
    assert results["sites"] == [] and "nothing to rank" in results["undefined_reason"]
    err = _one_error_line(capsys, ["compare-models", str(out), str(out), "--out", str(tmp_path / "cmp")])
    assert "nothing to rank" in err


def test_unreachable_hub_id_is_one_quick_line(capsys, facts_file, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://127.0.0.1:9")  # nothing listens there: unreachable at once
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    start = time.monotonic()
    err = _one_error_line(capsys, ["decompose", "hi", "--model", "no-owner/no-such-model"])
    assert time.monotonic() - start < 15
    assert "HF_HUB_OFFLINE=1" in err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), tensors=st.binary(max_size=200))
def test_random_bytes_in_a_shard_never_give_a_traceback(tmp_path, data, tensors):
    store = RunStore(tmp_path / "store", resume=True).open({"experiment": "x"})
    store.save("unit", {"a": 1}, {})
    (tmp_path / "store" / "shards" / "unit.json").write_bytes(data)
    (tmp_path / "store" / "shards" / "unit.safetensors").write_bytes(tensors)
    try:
        store.load("unit")
    except RivalryError as error:
        assert "unit." in str(error)
