"""Training ganforge's domain classifiers: the networks behind the "FID-LeNet" scores and mode counts.

    ganforge classifier train mnist               # ~5 epochs, a few minutes on 2 CPU cores, >= 99% test accuracy
    path = train_classifier("digits")              # seconds; accuracy on a fixed held-out fifth
    ext = ClassifierExtractor("mnist")            # verifies the SHA-256, then {"features", "logits"}

The network, its files and the extractor live in :mod:`ganforge.metrics.extractors.classifier`; this module adds
the training recipe:

- data: MNIST's 60,000 training images, accuracy on the 10,000 test images (never used to choose anything);
  digits: the 1,797 images split once by :func:`digits_split` (a permutation drawn with seed 0) into 1,437
  training and 360 held-out images; the 8x8 digits are upscaled to 28x28 by the extractor's own preprocessing.
- optimiser: Adam (Kingma & Ba 2015), lr 2e-3 decayed to 0 on a cosine over all steps, batch 128,
  cross-entropy loss; the last incomplete batch of an epoch is dropped (BatchNorm needs > 1 image).
- augmentation: every training image is shifted by a random whole number of pixels in [-2, 2] along each axis
  (padding with the background value), the classic trick for MNIST CNNs; it keeps the classifier from relying
  on exact centring, which generated digits need not have.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .extractors.classifier import (
    ARCHITECTURE,
    ARCHITECTURE_VERSION,
    CLASSIFIER_DATASETS,
    ClassifierExtractor,
    LeNetBN,
    check_classifier_dataset,
    classifier_path,
    load_classifier,
    preprocess,
    save_classifier,
    sidecar_path,
    train_command,
)

DEFAULT_EPOCHS = {"mnist": 5, "digits": 20}
DIGITS_SPLIT_SEED = 0        # the one permutation that splits the 1,797 digits; changing it changes every score
DIGITS_TEST_FRACTION = 0.2   # 360 held-out images
MAX_SHIFT = 2                # augmentation: random translation in [-2, 2] pixels


def digits_split() -> dict[str, np.ndarray]:
    """Indices of the fixed digits split: {"train": [1437], "test": [360], "all": [1797]} (sorted).

    A permutation of 0..1796 drawn with ``np.random.default_rng(DIGITS_SPLIT_SEED)``; its last
    round(0.2 * 1797) = 359.4 -> 360 entries are the held-out set. The classifier trains on "train" only.
    """
    n = 1797
    perm = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(n)
    n_test = int(np.ceil(DIGITS_TEST_FRACTION * n))
    return {"train": np.sort(perm[:-n_test]), "test": np.sort(perm[-n_test:]), "all": np.arange(n)}


def load_split(dataset: str, split: str, root: str | Path | None = None) -> tuple[Tensor, Tensor]:
    """(uint8 images [N, 1, H, W], int64 labels [N]) at native resolution: mnist train/test, digits
    train/test/all (see :func:`digits_split`)."""
    check_classifier_dataset(dataset)
    if dataset == "mnist":
        from ..data.mnist import load_mnist

        if split not in ("train", "test"):
            raise ValueError(f"mnist has the splits train, test; got '{split}'")
        images, labels = load_mnist(split=split, root=root)
    else:
        from ..data.digits import load_digits_arrays

        splits = digits_split()
        if split not in splits:
            raise ValueError(f"digits has the splits {', '.join(splits)}; got '{split}'")
        images, labels = load_digits_arrays()
        images, labels = images[splits[split]], labels[splits[split]]
    return torch.from_numpy(np.ascontiguousarray(images))[:, None], torch.from_numpy(labels).long()


def random_shift(x: Tensor, max_shift: int, generator: torch.Generator, fill: float = -1.0) -> Tensor:
    """Translate each image of x [N, C, H, W] by its own integer (dy, dx) in [-max_shift, max_shift]^2.

    Pads by max_shift with `fill` (the background: -1 is black in [-1, 1]) and crops an H x W window at a
    random offset, with one gather per axis instead of a Python loop.
    """
    if max_shift == 0:
        return x
    n, c, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, value=fill)                        # [N, C, H + 2s, W + 2s]
    off = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator)  # top-left corner of the window
    rows = (off[0][:, None] + torch.arange(h))[:, None, :, None].expand(n, c, h, w + 2 * max_shift)
    padded = padded.gather(2, rows)                                         # [N, C, H, W + 2s]
    cols = (off[1][:, None] + torch.arange(w))[:, None, None, :].expand(n, c, h, w)
    return padded.gather(3, cols)                                           # [N, C, H, W]


@torch.no_grad()
def accuracy(net: LeNetBN, images: Tensor, labels: Tensor, batch_size: int = 1000) -> float:
    """Fraction of uint8 `images` [N, C, H, W] whose argmax logit equals `labels`, net in eval mode."""
    was_training = net.training
    net.eval()
    correct = 0
    for i in range(0, len(images), batch_size):
        logits = net(preprocess(images[i:i + batch_size]))["logits"]
        correct += int((logits.argmax(1) == labels[i:i + batch_size]).sum())
    net.train(was_training)
    return correct / len(images)


def _resolve_out(dataset: str, out: str | Path | None, root: str | Path | None) -> Path:
    if out is None:
        return classifier_path(dataset, root)
    out = Path(out).expanduser()
    if out.suffix == ".safetensors":
        return out
    if out.suffix:
        raise ValueError(f"--out {out}: give a .safetensors file or a folder")
    return out / f"{dataset}.safetensors"


def train_classifier(
    dataset: str = "mnist",
    epochs: int | None = None,          # None: DEFAULT_EPOCHS[dataset] (mnist 5, digits 20)
    seed: int = 0,                      # network init, dropout, batch order and augmentation
    out: str | Path | None = None,      # .safetensors file or folder; None: the cache (classifier_path)
    *,
    batch_size: int = 128,
    lr: float = 2e-3,                   # Adam peak learning rate, cosine-decayed to 0
    augment: bool = True,               # random +-2 px shifts of the training images
    threads: int | None = None,         # torch CPU threads while training; None keeps the current setting
    root: str | Path | None = None,     # data/cache root; None: $GANFORGE_HOME or ~/.cache/ganforge
    progress: bool = True,              # one line per epoch on stderr
) -> Path:
    """Train the LeNet-BN domain classifier of `dataset` and save it; returns the .safetensors path.

    Writes the weights and a JSON sidecar with the held-out accuracy (MNIST: the official test set; digits:
    :func:`digits_split`'s 360 images), the training settings and the file's SHA-256, which
    :func:`load_classifier` checks. Deterministic for a given seed and thread count on CPU.
    """
    check_classifier_dataset(dataset)
    epochs = DEFAULT_EPOCHS[dataset] if epochs is None else epochs
    if epochs < 1 or batch_size < 2:
        raise ValueError(f"epochs must be >= 1 and batch_size >= 2, got {epochs} and {batch_size}")
    path = _resolve_out(dataset, out, root)
    old_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _train(dataset, epochs, seed, path, batch_size, lr, augment, root, progress)
    finally:
        torch.set_num_threads(old_threads)


def _log(message: str, progress: bool) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def _train(dataset: str, epochs: int, seed: int, path: Path, batch_size: int, lr: float, augment: bool,
           root: str | Path | None, progress: bool) -> Path:
    start = time.perf_counter()
    x_train, y_train = load_split(dataset, "train", root)
    x_test, y_test = load_split(dataset, "test", root)
    if len(x_train) < batch_size:
        raise ValueError(f"{dataset}: {len(x_train)} training images is fewer than one batch of {batch_size}")
    steps_per_epoch = len(x_train) // batch_size
    total_steps = epochs * steps_per_epoch
    _log(f"training the {ARCHITECTURE} classifier on {dataset}: {len(x_train):,} train / {len(x_test):,} held-out "
         f"images, {epochs} epochs x {steps_per_epoch} steps of {batch_size}, {torch.get_num_threads()} "
         f"threads", progress)

    torch_state = torch.random.get_rng_state()
    torch.manual_seed(seed)  # init and dropout; restored afterwards so training a classifier leaves no trace
    try:
        net = LeNetBN()
        g = torch.Generator().manual_seed(seed + 1)  # batch order and augmentation
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        # cosine decay to 0 (Loshchilov & Hutter 2017, no restarts): large early steps, a quiet finish
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * s / total_steps)))
        history: list[dict[str, float]] = []
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            net.train()
            perm = torch.randperm(len(x_train), generator=g)
            loss_sum, correct, seen = 0.0, 0, 0
            for i in range(steps_per_epoch):
                idx = perm[i * batch_size:(i + 1) * batch_size]
                x, y = preprocess(x_train[idx]), y_train[idx]           # [B, 1, 28, 28] in [-1, 1]
                if augment:
                    x = random_shift(x, MAX_SHIFT, g)
                logits = net(x)["logits"]
                loss = F.cross_entropy(logits, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                loss_sum += loss.item() * len(y)
                correct += int((logits.argmax(1) == y).sum())
                seen += len(y)
            test_acc = accuracy(net, x_test, y_test)
            history.append({"epoch": epoch, "loss": loss_sum / seen, "train_accuracy": correct / seen,
                            "test_accuracy": test_acc, "seconds": time.perf_counter() - t0})
            _log(f"epoch {epoch}/{epochs}: loss {loss_sum / seen:.4f}, train acc {correct / seen:.2%} "
                 f"(augmented, dropout), held-out acc {test_acc:.2%}, {time.perf_counter() - t0:.0f} s", progress)
    finally:
        torch.random.set_rng_state(torch_state)

    from .. import __version__

    seconds = time.perf_counter() - start
    held_out = ("mnist test split (10,000 images)" if dataset == "mnist" else
                f"digits held-out split: {len(x_test)} of 1,797 images (digits_split, seed {DIGITS_SPLIT_SEED})")
    meta: dict[str, Any] = {
        "dataset": dataset,
        "test_accuracy": history[-1]["test_accuracy"],
        "test_split": held_out,
        "n_train": len(x_train),
        "n_test": len(x_test),
        "training": {"epochs": epochs, "batch_size": batch_size, "optimizer": "adam", "lr": lr,
                     "lr_schedule": "cosine to 0", "augment": f"random shift +-{MAX_SHIFT} px" if augment else "none",
                     "seed": seed, "threads": torch.get_num_threads(), "seconds": round(seconds, 1)},
        "history": history,
        "ganforge_version": __version__,
        "torch_version": torch.__version__,
    }
    save_classifier(net.eval(), path, meta)
    _log(f"held-out accuracy {meta['test_accuracy']:.2%} after {seconds:.0f} s; wrote {path} and "
         f"{sidecar_path(path).name}", progress)
    return path


__all__ = [
    "ARCHITECTURE",
    "ARCHITECTURE_VERSION",
    "CLASSIFIER_DATASETS",
    "DEFAULT_EPOCHS",
    "ClassifierExtractor",
    "LeNetBN",
    "accuracy",
    "classifier_path",
    "digits_split",
    "load_classifier",
    "load_split",
    "preprocess",
    "random_shift",
    "save_classifier",
    "train_classifier",
    "train_command",
]
