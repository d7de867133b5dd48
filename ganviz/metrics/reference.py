"""Reference features of the real data, computed once per (dataset, extractor, n) and cached.

Every comparison with the same real data reuses them: the cache file holds the features and
logits (not just mean and covariance, because KID and precision/recall need the samples), under
``$GANVIZ_CACHE/ref_stats/`` (default ``~/.cache/ganviz/ref_stats/``). The key names the dataset
(with a hash of its full config, so two image folders never collide), the extractor and a hash
of its weights (retraining the classifier invalidates old entries), n and the sampling seed.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch

from ganviz.config import DataConfig
from ganviz.hub import read_state_dict
from ganviz.metrics.extractors import FeatureExtractor
from ganviz.metrics.scores import Embedding, Progress, embed


def cache_dir() -> Path:
    root = os.environ.get("GANVIZ_CACHE") or Path.home() / ".cache" / "ganviz"
    return Path(root) / "ref_stats"


def reference_key(data: DataConfig, extractor: FeatureExtractor, n: int, seed: int) -> str:
    data_hash = hashlib.sha1(data.to_json(sort_keys=True).encode()).hexdigest()[:8]
    return f"{data.name}-{data.image_size}px-{data_hash}-{extractor.key}-{extractor.fingerprint()}-n{n}-seed{seed}"


def real_images(data: DataConfig, n: int, seed: int = 0) -> torch.Tensor:
    """n real images (all of them when the dataset is smaller), drawn without replacement."""
    from ganviz.data import build_dataset

    dataset = build_dataset(data)
    if getattr(dataset, "kind", None) != "image":
        raise ValueError(f"data.name: {data.name!r} is not an image dataset; the metrics compare images")
    if not hasattr(dataset, "images"):  # rendered on demand (shapes): n fresh images from the seed
        return dataset.sample(n, torch.Generator().manual_seed(seed))[0]
    idx = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n]
    return dataset.images[idx]


def reference_embedding(data: DataConfig, extractor: FeatureExtractor, n: int, *, seed: int = 0,
                        batch_size: int = 500, progress: Progress | None = None,
                        use_cache: bool = True) -> tuple[Embedding, dict]:
    """The real data's embedding and a description of it (dataset, n used, cache file, whether it was cached)."""
    if n < 2:
        raise ValueError(f"n: need at least 2 real samples, got {n}")
    key = reference_key(data, extractor, n, seed)
    path = cache_dir() / f"{key}.safetensors"
    info = {"dataset": data.name, "image_size": data.image_size, "requested": n, "seed": seed, "cache": str(path)}
    if use_cache and path.is_file():
        tensors = read_state_dict(path)
        embedding = Embedding(tensors["features"], tensors["logits"])
        if progress is not None:
            progress("real data (cached)", len(embedding), len(embedding))
        return embedding, {**info, "n": len(embedding), "cached": True}
    images = real_images(data, n, seed)
    batches = (images[i:i + batch_size] for i in range(0, len(images), batch_size))
    embedding = embed(batches, extractor, len(images), progress, "real data")
    if use_cache:
        from safetensors.torch import save_file

        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        save_file({"features": embedding.features.contiguous(), "logits": embedding.logits.contiguous()}, partial,
                  metadata={"dataset": data.to_json(), "extractor": extractor.key, "n": str(len(embedding))})
        partial.replace(path)  # atomic: a reader never sees half a file
    return embedding, {**info, "n": len(embedding), "cached": False}
