"""The GPU benchmark script runs end to end on a CPU at a reduced size, so it is known to work when a GPU is lent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gpu_real_shapes_script_runs_reduced_on_cpu() -> None:
    command = [sys.executable, str(ROOT / "benchmarks" / "gpu_real_shapes.py"), "--device", "cpu", "--dtype", "float32"]
    command += ["--reduced", "64", "--pairs", "1", "--tokens", "8", "--repeats", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if "x), certified" in line]
    assert [line.split(" ")[0] for line in lines] == ["llama-2-7b", "llama-3-8b", "gemma-2-2b"]
    assert all("fallback" in line for line in lines)
