"""Scoring a trained generator against a reference dataset: FID, KID, IS, precision/recall, density/coverage
and mode counts, every setting recorded next to every number.

    scores = evaluate("runs/dcgan-mnist", metrics=("fid", "kid", "pr"), n=10000, ref="mnist:test")
    scores["scores"]["fid_classifier"]         # Fréchet distance of domain-classifier features ("FID-LeNet")

    ganforge eval runs/dcgan-mnist --metrics fid,kid,is,pr,dc,modes --n 10000 --ref mnist:test

Pipeline:
  1. generation: z ~ N(0, I) [n, z_dim] from ``torch.Generator().manual_seed(seed)`` (the same z as
     ``ganforge.load(ckpt).sample(n, seed)``), G (G_ema when the run kept one) in batches, images in [-1, 1]
     -> uint8 ``round((x + 1) * 127.5)`` clamped to 0..255 (:func:`~.extractors.to_uint8`);
  2. features of the generated images with the extractor ("classifier": ganforge's domain classifier of the
     reference dataset; "inception": FID Inception-v3; or any FeatureExtractor);
  3. reference features of ``ref = "<dataset>:<split>"``: the reference images are built at the generator's
     resolution and channel count (so both sets take the same path into the extractor), n_ref =
     min(n, size of the split) images -- the whole split when n >= its size, else the first n_ref of a
     permutation drawn with seed REF_SUBSET_SEED = 0 (a fixed subset, independent of ``seed``). Their features
     and Gaussian statistics are cached on disk (npz) under a key of dataset, split, resolution, channels,
     extractor name, weights hash, resize mode and n_ref; a cache file whose stored key differs is recomputed;
  4. the scores, from the pure functions of :mod:`ganforge.metrics`.

Which feature each metric uses: fid, kid, pr, dc use the extractor's feature vector ("features" of the
classifier = its 128-d penultimate layer, "pool" of Inception = pool3, else the first feature); is and modes use
its "logits". Names carry the extractor: "fid_classifier" (FID-LeNet style: comparable only between runs
scored with the same classifier weights, never with Inception FID), "fid_inception", "fid_<name>".
"""

from __future__ import annotations

import datetime
import json
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from ..models.latent import LatentPrior
from ..registry import UnknownNameError, unknown_name_message
from .extractors import EXTRACTORS, FeatureExtractor, InceptionExtractor, extract_features, to_uint8
from .extractors.classifier import ClassifierExtractor, write_atomic

METRICS = ("fid", "kid", "is", "pr", "dc", "modes")
METRIC_DESCRIPTIONS = {
    "fid": "Fréchet distance of Gaussians fitted to the feature vectors (Heusel et al. 2017)",
    "kid": "kernel distance: unbiased MMD^2, cubic polynomial kernel, over random subsets (Binkowski et al. 2018)",
    "is": "Inception-Score formula exp(E KL(p(y|x) || p(y))) on the extractor's logits (Salimans et al. 2016)",
    "pr": "improved precision and recall, k = 3 (Kynkäänniemi et al. 2019)",
    "dc": "density and coverage, k = 5 (Naeem et al. 2020)",
    "modes": "argmax-class histogram: classes covered and KL(p_hat || uniform) (Metz et al. 2017)",
}
REFERENCES = {"mnist": ("train", "test"), "digits": ("all", "train", "test")}
REF_SUBSET_SEED = 0          # which n_ref images of a larger split are the reference; part of the cache key
CACHE_VERSION = 1            # bump when the cached arrays change meaning
EVAL_FORMAT = "ganforge.eval"
EVAL_VERSION = 1
KID_SUBSETS, KID_MAX_SUBSET = 100, 1000
PR_K, DC_K, IS_SPLITS = 3, 5, 10
LOWER_IS_BETTER = ("fid", "kid", "modes_reverse_kl")  # score-name prefixes; all other scores: higher is better


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _log(message: str, progress: bool) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------------
# Settings: metrics, reference, extractor
# ------------------------------------------------------------------------------------------------------------

def check_metrics(metrics: str | Iterable[str]) -> tuple[str, ...]:
    """Metric names as a tuple (a comma-separated string works too); UnknownNameError listing METRICS."""
    names = [m.strip() for m in metrics.split(",")] if isinstance(metrics, str) else [str(m).strip() for m in metrics]
    names = [m for m in names if m]
    if not names:
        raise ValueError(f"no metrics requested; choose from {', '.join(METRICS)}")
    for m in names:
        if m not in METRICS:
            raise UnknownNameError(unknown_name_message("metric", m, list(METRICS)))
    return tuple(dict.fromkeys(names))  # drop repeats, keep the order


def parse_ref(ref: str) -> tuple[str, str]:
    """"<dataset>:<split>" -> (dataset, split); an unknown pair raises UnknownNameError listing every valid one."""
    valid = [f"{d}:{s}" for d, splits in REFERENCES.items() for s in splits]
    dataset, _, split = ref.partition(":")
    if dataset not in REFERENCES or split not in REFERENCES[dataset]:
        raise UnknownNameError(unknown_name_message("reference", ref, valid))
    return dataset, split


def reference_size(dataset: str, split: str) -> int:
    """Number of images in a reference split (without loading it)."""
    if dataset == "mnist":
        return {"train": 60_000, "test": 10_000}[split]
    from .classifier import digits_split

    return len(digits_split()[split])


def resolve_extractor(extractor: str | FeatureExtractor, dataset: str,
                      device: str | torch.device = "cpu") -> tuple[FeatureExtractor, str]:
    """(extractor on `device`, short label used in score names).

    "classifier" -> ganforge's domain classifier of `dataset` (label "classifier"); "inception" -> FID
    Inception-v3 ("inception"); another registered name -> that extractor; a FeatureExtractor is used as is
    (label "classifier"/"inception" for those classes, else its ``name`` made identifier-safe).
    """
    if isinstance(extractor, str):
        if extractor == "classifier":
            ext: FeatureExtractor = ClassifierExtractor(dataset, device=device)
        else:
            ext = EXTRACTORS.get(extractor)()  # UnknownNameError listing the registered extractors
    elif isinstance(extractor, FeatureExtractor):
        ext = extractor
    else:
        raise TypeError(f"extractor must be a name ({', '.join(EXTRACTORS.names())}) or a FeatureExtractor, "
                        f"got {type(extractor).__name__}")
    ext.to(device)
    if isinstance(ext, ClassifierExtractor):
        label = "classifier"
    elif isinstance(ext, InceptionExtractor):
        label = "inception"
    else:
        label = re.sub(r"[^0-9a-zA-Z]+", "_", ext.name).strip("_").lower() or "custom"
    return ext, label


def feature_roles(ext: FeatureExtractor) -> tuple[str, str | None]:
    """(feature-vector name for fid/kid/pr/dc, logits name for is/modes or None)."""
    names = ext.feature_names
    vector = "features" if "features" in names else "pool" if "pool" in names else names[0]
    return vector, ("logits" if "logits" in names else None)


def score_family(label: str) -> str:
    """What a score computed with extractor `label` may be compared with."""
    if label == "classifier":
        return ("FID-LeNet style: domain-classifier features; comparable only with scores of the same classifier "
                "weights (weights_hash), not with Inception FID/IS")
    if label == "inception":
        return "Inception-v3 (FID/IS as published when weights_hash is the pt_inception-2015-12-05 file)"
    return f"custom extractor '{label}': comparable only with scores of the same extractor and weights"


# ------------------------------------------------------------------------------------------------------------
# Reference features, cached on disk
# ------------------------------------------------------------------------------------------------------------

@dataclass
class Reference:
    """Features of the reference images and the Gaussian statistics of the feature vector."""

    dataset: str
    split: str
    features: dict[str, np.ndarray]    # {feature name: float32 [n, D]}
    mu: np.ndarray                     # float64 [D] mean of the feature vector
    sigma: np.ndarray                  # float64 [D, D] covariance (ddof = 1)
    n: int                             # images used (n_ref)
    size: int                          # images in the split
    resolution: int                    # H = W the images had when they entered the extractor
    channels: int
    key: dict[str, Any]                # the cache key (every setting the features depend on)
    cache_path: Path | None            # None: not cached (extractor without a weights hash)
    cached: bool                       # True: read from the cache, not recomputed
    seconds: float                     # time to read or compute

    @property
    def subset(self) -> str:
        if self.n == self.size:
            return "all"
        return f"first {self.n} of np.random.default_rng({REF_SUBSET_SEED}).permutation({self.size})"


def default_cache_dir() -> Path:
    """``$GANFORGE_HOME/reference_features`` or ``~/.cache/ganforge/reference_features``."""
    from ..data.cache import data_home

    return data_home() / "reference_features"


def load_reference_images(dataset: str, split: str, resolution: int | None = None, channels: int | None = None,
                          root: str | Path | None = None) -> Tensor:
    """uint8 [N, C, H, W] images of a reference split at `resolution` (None: native) with `channels` (1 or 3)."""
    from ..config.schema import DataConfig
    from ..data import build_dataset

    native = 28 if dataset == "mnist" else 8
    cfg = DataConfig(name=dataset, split="test" if split == "test" and dataset == "mnist" else "train",
                     resolution=None if resolution in (None, native) else resolution,
                     channels=channels if channels == 3 else None, root=str(root) if root else None)
    images = build_dataset(cfg).images
    if dataset == "digits":
        from .classifier import digits_split

        images = images[torch.from_numpy(digits_split()[split])]
    return images


def reference_features(
    ref: str,
    extractor: FeatureExtractor,
    n: int,
    *,
    resolution: int | None = None,          # H = W of the generated images; None: the dataset's native size
    channels: int = 1,
    batch_size: int = 250,
    cache_dir: str | Path | None = None,    # None: default_cache_dir()
    root: str | Path | None = None,         # dataset cache root (MNIST); None: $GANFORGE_HOME or ~/.cache/ganforge
    progress: bool = True,
) -> Reference:
    """Features of n_ref = min(n, split size) reference images, from the disk cache when its key matches.

    The cache file name spells out the key; the key is also stored inside the file and compared on read, so a
    renamed or stale file is recomputed rather than trusted. Extractors without a weights hash (plain callables)
    or with the "random" placeholder of test weights are never cached: nothing would tell two of them apart.
    """
    start = time.perf_counter()
    dataset, split = parse_ref(ref)
    size = reference_size(dataset, split)
    n_ref = min(int(n), size)
    native = 28 if dataset == "mnist" else 8
    resolution = native if resolution is None else int(resolution)
    vector, _ = feature_roles(extractor)
    key = {"cache_version": CACHE_VERSION, "dataset": dataset, "split": split, "resolution": resolution,
           "channels": int(channels), "extractor": extractor.name, "weights_hash": extractor.weights_hash,
           "resize_mode": extractor.resize_mode, "n": n_ref, "subset_seed": REF_SUBSET_SEED,
           "features": list(extractor.feature_names), "vector": vector}
    path = None
    if extractor.weights_hash not in (None, "random"):
        folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        safe = re.sub(r"[^0-9a-zA-Z.]+", "_", extractor.name)
        path = folder / (f"{dataset}-{split}-{resolution}px-{channels}ch-{safe}-{extractor.weights_hash[:16]}-"
                         f"{extractor.resize_mode}-n{n_ref}.npz")
        cached = _read_cache(path, key)
        if cached is not None:
            feats, mu, sigma = cached
            _log(f"reference {ref}: {n_ref} images, features from the cache {path}", progress)
            return Reference(dataset, split, feats, mu, sigma, n_ref, size, resolution, channels, key, path, True,
                             time.perf_counter() - start)
    images = load_reference_images(dataset, split, resolution, channels, root)
    if len(images) != size:
        raise ValueError(f"reference {ref}: expected {size} images, the dataset has {len(images)}")
    if n_ref < size:
        index = np.random.default_rng(REF_SUBSET_SEED).permutation(size)[:n_ref]
        images = images[torch.from_numpy(index)]
    _log(f"reference {ref}: extracting features of {n_ref} images ({extractor.name})", progress)
    feats = extract_features(extractor, images, batch_size=batch_size, progress=progress)
    from .frechet import gaussian_statistics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # N <= D: recorded as n_reference, FID's caller is warned
        mu, sigma = gaussian_statistics(feats[vector])
    if path is not None:
        from ..data.cache import save_npz_atomic

        arrays = {"key": np.array(json.dumps(key, sort_keys=True)), "mu": mu, "sigma": sigma}
        arrays.update({f"feature_{k}": v for k, v in feats.items()})
        save_npz_atomic(path, arrays)
    return Reference(dataset, split, feats, mu, sigma, n_ref, size, resolution, channels, key, path, False,
                     time.perf_counter() - start)


def _read_cache(path: Path, key: dict[str, Any]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray] | None:
    """(features, mu, sigma) from `path` when it exists, is readable and holds exactly `key`; else None."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if json.loads(str(z["key"])) != json.loads(json.dumps(key, sort_keys=True)):
                return None
            feats = {k: z[f"feature_{k}"] for k in key["features"]}
            return feats, z["mu"], z["sigma"]
    except (OSError, ValueError, KeyError):  # truncated or foreign file: recompute and overwrite
        return None


# ------------------------------------------------------------------------------------------------------------
# Scores
# ------------------------------------------------------------------------------------------------------------

def compute_scores(
    fake: dict[str, np.ndarray],
    reference: Reference,
    metrics: Sequence[str],
    label: str,
    vector: str,
    logits: str | None,
    seed: int = 0,
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """({score name: value}, [one record per metric: values, parameters, feature, seconds]).

    `fake`/`reference.features` hold the feature dicts of the generated and reference images; `vector` and
    `logits` name the features fid/kid/pr/dc and is/modes use.
    """
    from .classic import mode_statistics
    from .frechet import frechet_distance, gaussian_statistics
    from .inception_score import inception_score
    from .kid import kernel_inception_distance
    from .prdc import density_coverage, precision_recall

    f_fake, f_real = fake[vector], reference.features[vector]
    n_fake, n_real = len(f_fake), len(f_real)
    scores: dict[str, float] = {}
    records: list[dict[str, Any]] = []
    for metric in metrics:
        t0 = time.perf_counter()
        if metric in ("is", "modes") and logits is None:
            raise ValueError(f"metric '{metric}' needs class logits, but the extractor has only the features "
                             f"{list(fake)}; use the classifier or inception extractor")
        feature = logits if metric in ("is", "modes") else vector
        params: dict[str, Any] = {}
        if metric == "fid":
            mu, sigma = gaussian_statistics(f_fake)  # warns when N <= D: the covariance is singular
            values = {f"fid_{label}": frechet_distance(mu, sigma, reference.mu, reference.sigma)}
            params = {"method": "eigh", "covariance": "unbiased (ddof=1)"}
        elif metric == "kid":
            subset_size = min(KID_MAX_SUBSET, n_fake, n_real)
            mean, std = kernel_inception_distance(f_real, f_fake, subsets=KID_SUBSETS, subset_size=subset_size,
                                                  seed=seed)
            values = {f"kid_{label}": mean, f"kid_{label}_std": std}
            params = {"subsets": KID_SUBSETS, "subset_size": subset_size, "kernel": "(x.y / D + 1)^3",
                      "seed": seed}
        elif metric == "is":
            mean, std = inception_score(fake[logits], splits=IS_SPLITS)
            values = {f"is_{label}": mean, f"is_{label}_std": std}
            params = {"splits": IS_SPLITS}
        elif metric == "pr":
            precision, recall = precision_recall(f_real, f_fake, k=PR_K)
            values = {f"precision_{label}": precision, f"recall_{label}": recall}
            params = {"k": PR_K}
        elif metric == "dc":
            density, coverage = density_coverage(f_real, f_fake, k=DC_K)
            values = {f"density_{label}": density, f"coverage_{label}": coverage}
            params = {"k": DC_K}
        else:  # modes
            num_classes = fake[logits].shape[1]
            stats = mode_statistics(fake[logits], num_classes=num_classes)
            values = {f"modes_covered_{label}": stats["modes_covered"],
                      f"modes_reverse_kl_{label}": stats["reverse_kl"]}
            params = {"num_classes": num_classes, "histogram": stats["histogram"].tolist(),
                      "reverse_kl": "KL(p_hat || uniform) in nats, log C when one class"}
        scores.update(values)
        primary = next(iter(values))
        records.append({"metric": metric, "name": primary, "value": values[primary], "values": values,
                        "description": METRIC_DESCRIPTIONS[metric], "params": params, "feature": feature,
                        "feature_dim": int(fake[feature].shape[1]), "seconds": time.perf_counter() - t0})
    return scores, records


def _score_images(
    images: Tensor,
    ext: FeatureExtractor,
    label: str,
    metrics: tuple[str, ...],
    ref: str,
    *,
    batch_size: int,
    seed: int,
    cache_dir: str | Path | None,
    progress: bool,
    reference: Reference | None = None,
) -> tuple[dict[str, float], list[dict[str, Any]], dict[str, Any], Reference]:
    """Shared core of evaluate(), evaluate_images() and the periodic evaluator (images: uint8 [N, C, H, W])."""
    vector, logits = feature_roles(ext)
    n = len(images)
    if "is" in metrics and n < IS_SPLITS:
        raise ValueError(f"metric 'is' needs n >= {IS_SPLITS} images (it averages {IS_SPLITS} splits), got {n}")
    t0 = time.perf_counter()
    fake = extract_features(ext, images, batch_size=batch_size, progress=progress)
    features_s = time.perf_counter() - t0
    if reference is None:
        reference = reference_features(ref, ext, n, resolution=images.shape[-1], channels=images.shape[1],
                                       batch_size=batch_size, cache_dir=cache_dir, progress=progress)
        reference_s, reference_cached = reference.seconds, reference.cached
    else:  # the periodic evaluator keeps it in memory between calls
        reference_s, reference_cached = 0.0, True
    scores, records = compute_scores(fake, reference, metrics, label, vector, logits, seed)
    timings = {"features_s": features_s, "reference_s": reference_s, "reference_cached": reference_cached,
               "statistics_s": {r["metric"]: r["seconds"] for r in records}}
    return scores, records, timings, reference


def _settings(ext: FeatureExtractor, label: str, reference: Reference, n: int, seed: int, batch_size: int,
              device: str | torch.device, generator: dict[str, Any]) -> dict[str, Any]:
    from .. import __version__

    return {
        "extractor": ext.name, "extractor_label": label, "weights_hash": ext.weights_hash,
        "resize_mode": ext.resize_mode, "score_family": score_family(label),
        "n_generated": n, "n_reference": reference.n,
        "ref": f"{reference.dataset}:{reference.split}", "ref_dataset": reference.dataset,
        "ref_split": reference.split, "ref_split_size": reference.size, "ref_subset": reference.subset,
        "ref_resolution": reference.resolution, "ref_channels": reference.channels,
        "ref_cache": str(reference.cache_path) if reference.cache_path else None,
        "generator": generator, "seed": seed, "batch_size": batch_size, "device": str(device),
        "ganforge_version": __version__, "torch_version": torch.__version__,
    }


def _assemble(scores: dict[str, float], records: list[dict[str, Any]], settings: dict[str, Any],
              timings: dict[str, Any], started: str) -> dict[str, Any]:
    """The eval record: summary scores, then one self-contained record per metric with every setting."""
    settings = {**settings, "started": started, "finished": _now()}
    full = []
    for r in records:
        own = {**timings, "statistics_s": r["seconds"]}
        full.append({**{k: v for k, v in r.items() if k != "seconds"}, **settings, "timings": own})
    return {"format": EVAL_FORMAT, "version": EVAL_VERSION, "scores": scores, "settings": settings,
            "timings": timings, "records": full}


def _write(result: dict[str, Any], path: Path) -> Path:
    """JSON, written atomically (a temporary file, then os.replace): readers see the old or the new file."""
    text = json.dumps(result, indent=2, default=_json_default) + "\n"
    write_atomic(path, lambda tmp: Path(tmp).write_text(text))
    return path


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def default_output_path(checkpoint_or_run: str | Path) -> Path:
    """``<run>/eval.json`` for a run directory, ``<checkpoint stem>.eval.json`` next to a checkpoint file."""
    path = Path(checkpoint_or_run)
    return path / "eval.json" if path.is_dir() else path.with_name(f"{path.stem}.eval.json")


# ------------------------------------------------------------------------------------------------------------
# Public entry points
# ------------------------------------------------------------------------------------------------------------

def generate_images(G: Callable[[Tensor], Tensor], latent: LatentPrior | int, n: int, seed: int = 0,
                    batch_size: int = 250, progress: bool = True, device: str | torch.device = "cpu") -> Tensor:
    """uint8 [n, C, H, W] from `G` (z [b, z_dim] -> images in [-1, 1]) with z drawn at once from the prior
    (an int means N(0, I) of that size) with ``torch.Generator().manual_seed(seed)``: the z of
    ``LoadedGenerator.sample(n, seed)``, whatever the batch."""
    if n < 1 or batch_size < 1:
        raise ValueError(f"n and batch_size must be >= 1, got {n} and {batch_size}")
    prior = latent if isinstance(latent, LatentPrior) else LatentPrior(latent)
    z = prior.sample(n, torch.Generator().manual_seed(seed))
    parts = []
    with torch.no_grad():
        for chunk in tqdm(z.split(batch_size), desc="generating", unit="batch", disable=not progress):
            x = G(chunk.to(device))
            if x.ndim != 4:
                raise ValueError(f"the generator must return images [N, C, H, W], got {tuple(x.shape)}")
            parts.append(to_uint8(x).cpu())
    return torch.cat(parts)


def evaluate(
    checkpoint_or_run: str | Path,
    metrics: str | Sequence[str] = METRICS,
    n: int = 10_000,
    ref: str = "mnist:test",
    extractor: str | FeatureExtractor = "classifier",
    batch_size: int = 250,
    seed: int = 0,
    device: str = "cpu",
    progress: bool = True,
    cache_dir: str | Path | None = None,   # reference-feature cache; None: $GANFORGE_HOME/reference_features
    *,
    out: str | Path | None = None,         # JSON file; None: <run>/eval.json or <checkpoint stem>.eval.json
    write: bool = True,                    # False: only return the record
    use_ema: bool = True,                  # G_ema when the run kept one
) -> dict[str, Any]:
    """Score the generator of a run directory or checkpoint against `ref`; returns (and writes) the record.

    The record: ``scores`` {name: value}, ``settings`` (extractor, weights hash, resize mode, n generated /
    reference, reference dataset/split/subset, generator checkpoint + step + G_ema, seed, versions, timestamps),
    ``timings`` (generation, features, reference, statistics per metric, total) and ``records``: one
    self-contained entry per metric repeating every setting. ``path`` (returned only) is where it was written.
    """
    from ..api import load
    from ..artifacts.checkpoint import resolve_checkpoint_path

    started, t_start = _now(), time.perf_counter()
    metrics = check_metrics(metrics)
    dataset, _ = parse_ref(ref)
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    ckpt = resolve_checkpoint_path(checkpoint_or_run)
    G = load(ckpt, use_ema=use_ema, device=device)
    if G.spec.kind != "images":
        raise ValueError(f"{ckpt}: a generator of {G.spec.kind}; evaluate() scores image generators (2-D runs "
                         f"log their mode metrics during training)")
    ext, label = resolve_extractor(extractor, dataset, device)

    t0 = time.perf_counter()
    images = generate_images(G, G.latent, n, seed, batch_size, progress, device)
    generation_s = time.perf_counter() - t0
    scores, records, timings, reference = _score_images(images, ext, label, metrics, ref, batch_size=batch_size,
                                                        seed=seed, cache_dir=cache_dir, progress=progress)
    timings = {"generation_s": generation_s, **timings, "total_s": time.perf_counter() - t_start}
    generator = {"checkpoint": str(ckpt.resolve()), "step": G.step, "uses_ema": G.uses_ema,
                 "preset": G.config.preset, "data": G.data["name"], "shape": list(G.spec.shape)}
    settings = _settings(ext, label, reference, n, seed, batch_size, device, generator)
    result = _assemble(scores, records, settings, timings, started)
    if write:
        result_path = _write(result, Path(out) if out is not None else default_output_path(checkpoint_or_run))
        result["path"] = str(result_path)
    return result


def evaluate_images(
    images: Tensor | np.ndarray,
    metrics: str | Sequence[str] = METRICS,
    ref: str = "mnist:test",
    extractor: str | FeatureExtractor = "classifier",
    batch_size: int = 250,
    seed: int = 0,
    device: str = "cpu",
    progress: bool = True,
    cache_dir: str | Path | None = None,
    *,
    source: str = "images",                # what the images are, recorded as settings["generator"]["source"]
    out: str | Path | None = None,         # JSON file; None: not written
) -> dict[str, Any]:
    """:func:`evaluate` for a set of uint8 images [N, C, H, W] instead of a generator (no generation step)."""
    started, t_start = _now(), time.perf_counter()
    metrics = check_metrics(metrics)
    dataset, _ = parse_ref(ref)
    images = torch.as_tensor(images)
    if images.dtype != torch.uint8 or images.ndim != 4:
        raise ValueError(f"images must be uint8 [N, C, H, W], got {images.dtype} {tuple(images.shape)}")
    ext, label = resolve_extractor(extractor, dataset, device)
    scores, records, timings, reference = _score_images(images, ext, label, metrics, ref, batch_size=batch_size,
                                                        seed=seed, cache_dir=cache_dir, progress=progress)
    timings = {"generation_s": 0.0, **timings, "total_s": time.perf_counter() - t_start}
    settings = _settings(ext, label, reference, len(images), seed, batch_size, device,
                         {"source": source, "shape": list(images.shape[1:])})
    result = _assemble(scores, records, settings, timings, started)
    if out is not None:
        result["path"] = str(_write(result, Path(out)))
    return result


def format_table(result: dict[str, Any]) -> str:
    """The scores and the time breakdown of an eval record as aligned text."""
    s, t = result["settings"], result["timings"]
    lines = [f"{s['n_generated']} generated vs {s['n_reference']} reference ({s['ref']}, {s['ref_subset']}); "
             f"extractor {s['extractor']} (weights {str(s['weights_hash'])[:12]}, resize {s['resize_mode']})",
             "", f"{'score':<32}{'value':>14}"]
    for name, value in result["scores"].items():
        lines.append(f"{name:<32}{value:>14.6g}" if isinstance(value, float) else f"{name:<32}{value:>14}")
    lines += ["", f"{'time':<32}{'seconds':>14}",
              f"{'generation':<32}{t['generation_s']:>14.2f}",
              f"{'features (generated)':<32}{t['features_s']:>14.2f}",
              f"{'reference' + (' (cached)' if t['reference_cached'] else ' (computed)'):<32}"
              f"{t['reference_s']:>14.2f}"]
    lines += [f"{'statistics: ' + m:<32}{v:>14.2f}" for m, v in t["statistics_s"].items()]
    lines.append(f"{'total':<32}{t['total_s']:>14.2f}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------------
# During training: the same evaluation every N steps, keeping the best checkpoint
# ------------------------------------------------------------------------------------------------------------

class PeriodicEvaluator:
    """A callable ``(trainer) -> {"eval/<score>": value}`` for the training engine to call every N steps.

    Each call samples ``n`` images from ``trainer.sampler`` (G_ema when the run keeps one) with a fixed z
    (``seed``), scores them exactly as :func:`evaluate` does (reference features computed once, then reused
    from memory and the disk cache) and, when the ``best`` score improves, writes
    ``<run>/checkpoints/best.pt`` (the full checkpoint) and ``<run>/best_eval.json`` (step, scores, settings).
    It uses only its own random generator and puts G back in its mode, so calling it never changes training.

    What it reads from the trainer: ``spec`` (image shape), ``latent``, ``device``, ``generate(z)`` (images in
    [-1, 1], eval mode), ``step``, ``run_dir``, ``state_dict()``, ``cfg.preset``.
    """

    def __init__(
        self,
        metrics: str | Sequence[str] = ("fid",),
        n: int = 2000,                          # images per evaluation (fewer than evaluate()'s 10k: speed)
        ref: str = "mnist:test",
        extractor: str | FeatureExtractor = "classifier",
        best: str | None = "fid",               # metric or score name to keep the best checkpoint by; None: off
        mode: str | None = None,                # "min" / "max"; None: min for fid, kid, modes_reverse_kl
        batch_size: int = 250,
        seed: int = 0,
        cache_dir: str | Path | None = None,
        progress: bool = False,
    ) -> None:
        self.metrics = check_metrics(metrics)
        self.dataset, _ = parse_ref(ref)
        if mode not in (None, "min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or None, got {mode!r}")
        self.n, self.ref, self.extractor_arg, self.best_arg, self.mode_arg = n, ref, extractor, best, mode
        self.batch_size, self.seed, self.cache_dir, self.progress = batch_size, seed, cache_dir, progress
        self._ext: FeatureExtractor | None = None
        self._label = ""
        self._reference: Reference | None = None
        self.best_name: str | None = None
        self.best_value: float | None = None
        self.best_step: int | None = None

    def setup(self, trainer: Any) -> None:
        """Resolve the extractor and the best score so far; the engine calls this before its first step so a
        missing classifier fails the run at once, not at the first evaluation."""
        if trainer.spec.kind != "images":
            raise ValueError("the periodic evaluator scores image generators; this run generates points")
        self._ext, self._label = resolve_extractor(self.extractor_arg, self.dataset, trainer.device)
        if self.best_arg is not None:
            known = {f"{m}_{self._label}" for m in ("fid", "kid", "is", "precision", "recall", "density",
                                                    "coverage", "modes_covered", "modes_reverse_kl")}
            name = self.best_arg if self.best_arg in known else f"{self.best_arg}_{self._label}"
            if name not in known:
                raise UnknownNameError(unknown_name_message("score", self.best_arg, sorted(known)))
            self.best_name = name
            previous = Path(trainer.run_dir) / "best_eval.json"  # a resumed run keeps its best so far
            if previous.is_file():
                try:
                    data = json.loads(previous.read_text())
                    if data.get("metric") == name and data.get("weights_hash") == self._ext.weights_hash:
                        self.best_value, self.best_step = float(data["value"]), int(data["step"])
                except (OSError, ValueError, KeyError, TypeError):
                    pass

    @property
    def lower_is_better(self) -> bool:
        if self.mode_arg is not None:
            return self.mode_arg == "min"
        return self.best_name is not None and self.best_name.startswith(LOWER_IS_BETTER)

    def __call__(self, trainer: Any) -> dict[str, float]:
        if self._ext is None:
            self.setup(trainer)
        assert self._ext is not None
        started, t_start = _now(), time.perf_counter()
        t0 = time.perf_counter()
        images = generate_images(trainer.generate, trainer.latent, self.n, self.seed, self.batch_size,
                                 self.progress, trainer.device)
        generation_s = time.perf_counter() - t0
        scores, records, timings, self._reference = _score_images(
            images, self._ext, self._label, self.metrics, self.ref, batch_size=self.batch_size, seed=self.seed,
            cache_dir=self.cache_dir, progress=self.progress, reference=self._reference)
        out = {f"eval/{k}": float(v) for k, v in scores.items()}
        if self.best_name is not None:
            if self.best_name not in scores:
                raise ValueError(f"best='{self.best_arg}' is not among the computed scores {sorted(scores)}; add "
                                 f"its metric to metrics=")
            value = float(scores[self.best_name])
            better = self.best_value is None or (value < self.best_value if self.lower_is_better
                                                 else value > self.best_value)
            if better:
                self._save_best(trainer, value, scores, records, {
                    "generation_s": generation_s, **timings, "total_s": time.perf_counter() - t_start}, started)
            out[f"eval/best_{self.best_name}"] = float(self.best_value)  # type: ignore[arg-type]
        return out

    def _save_best(self, trainer: Any, value: float, scores: dict[str, float], records: list[dict[str, Any]],
                   timings: dict[str, Any], started: str) -> None:
        from ..artifacts.checkpoint import save_checkpoint

        assert self._ext is not None and self._reference is not None and self.best_name is not None
        run_dir = Path(trainer.run_dir)
        path = save_checkpoint(trainer.state_dict(), run_dir / "checkpoints" / "best.pt")
        generator = {"checkpoint": str(path.resolve()), "step": int(trainer.step),
                     "uses_ema": getattr(trainer, "G_ema", None) is not None, "preset": trainer.cfg.preset}
        settings = _settings(self._ext, self._label, self._reference, self.n, self.seed, self.batch_size,
                             trainer.device, generator)
        result = _assemble(scores, records, settings, timings, started)
        self.best_value, self.best_step = value, int(trainer.step)
        _write({"metric": self.best_name, "value": value, "step": self.best_step,
                "weights_hash": self._ext.weights_hash, "mode": "min" if self.lower_is_better else "max",
                **result}, run_dir / "best_eval.json")


def make_periodic_evaluator(**kwargs: Any) -> PeriodicEvaluator:
    """A :class:`PeriodicEvaluator` (same keyword arguments): hand it to the engine, which calls it as
    ``scalars.update(evaluator(trainer))`` every ``train.eval_every`` steps and at the last step."""
    return PeriodicEvaluator(**kwargs)


__all__ = [
    "METRICS",
    "REFERENCES",
    "PeriodicEvaluator",
    "Reference",
    "check_metrics",
    "compute_scores",
    "default_output_path",
    "evaluate",
    "evaluate_images",
    "format_table",
    "generate_images",
    "load_reference_images",
    "make_periodic_evaluator",
    "parse_ref",
    "reference_features",
    "resolve_extractor",
]
