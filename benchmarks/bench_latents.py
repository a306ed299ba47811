"""Latents speed and memory on SmolLM2: prompts per second through the residual capture plus the per-layer probes,
and the capture's peak memory beyond the features themselves, for growing numbers of prompts.

Each size runs in a fresh child process (peak RSS is per process): the model is loaded and warmed up, then the
``forbidden`` prompts are captured at every residual point (``[points, prompts, d_model]`` float32) and a logistic
probe is fitted at every point on a group split. Prints ``latents_prompts_per_s`` (capture + probes, largest size)
and, per size, ``capture_peak_mb_beyond_features``: it stays flat as the prompts grow, since the features are
preallocated and only one batch's forward pass is alive at a time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

SIZES = (32, 128)


def child(n: int) -> dict[str, float]:
    import numpy as np
    import torch

    import rivalry
    from rivalry.core.residual import residual_features
    from rivalry.experiments.latents.analysis import group_labels
    from rivalry.latents.probes import fit_classifier
    from rivalry.variables import forbidden_subset

    torch.set_num_threads(1)  # a benchmark process of its own
    lm = rivalry.load_model("smollm2")
    variables = forbidden_subset(lm, limit=40)
    variables = variables.select(np.random.default_rng(0).permutation(len(variables.items))[:n])
    texts = variables.texts()
    residual_features(lm.anatomy, lm.tokenizer, texts[:16], batch_size=16)  # warm-up: one batch's peak
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    feats = residual_features(lm.anatomy, lm.tokenizer, texts, batch_size=16)
    capture_s = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    features_mb = feats.features.numel() * 4 / 2**20
    train, test = np.arange(n * 3 // 4), np.arange(n * 3 // 4, n)  # timing only: a plain split of a random sample
    y = variables.targets()
    groups = group_labels(variables, train)
    start = time.perf_counter()
    for point in range(feats.features.shape[0]):
        x = feats.features[point].numpy()
        fit_classifier(x[train], y[train], groups, x[test], 2)
    probes_s = time.perf_counter() - start
    return {
        "points": feats.features.shape[0],
        "prompts": n,
        "capture_s": capture_s,
        "probes_s": probes_s,
        "features_mb": features_mb,
        "capture_peak_mb_beyond_features": peak - base - features_mb,
    }


def main() -> None:
    rows = []
    for n in SIZES:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], check=True, capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for row in rows:
        print(
            f"latents_capture_peak_mb_beyond_features[{row['prompts']} prompts]: "
            f"{row['capture_peak_mb_beyond_features']:.1f} (features {row['features_mb']:.1f} MB)"
        )
    last = rows[-1]
    print(
        f"latents_prompts_per_s: {last['prompts'] / (last['capture_s'] + last['probes_s']):.2f} "
        f"(capture {last['capture_s']:.1f} s, probes at {last['points']} points {last['probes_s']:.1f} s, 1 thread)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        main()
