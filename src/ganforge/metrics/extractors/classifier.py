"""A domain classifier as feature extractor: the "FID-LeNet" style of scoring MNIST-like generators.

Inception-v3 features of 28x28 digits upscaled to 299x299 say little about handwriting, so MNIST GAN papers
score with a small classifier trained on the data itself (e.g. the LeNet-feature FID of Lucic et al. 2018,
"Are GANs Created Equal?", and the mode-counting classifiers of Che et al. 2017 / Metz et al. 2017). ganforge
trains its own (``ganforge classifier train mnist``, see :mod:`ganforge.metrics.classifier`); this module holds
the network, its weight files and the extractor. Scores from it are labelled ``*_classifier`` and are NOT
Inception FID/IS: they are comparable only with scores of the same weights (``weights_hash``).

Network (:class:`LeNetBN`, architecture "lenet-bn" version 1), input [N, 1, 28, 28] in [-1, 1]:

    conv 5x5 (1 -> 16, pad 2) - BN - ReLU - maxpool 2     # [N, 16, 14, 14]
    conv 5x5 (16 -> 32, pad 2) - BN - ReLU - maxpool 2    # [N, 32, 7, 7]
    flatten - linear (1568 -> 128) - BN - ReLU            # [N, 128]  = "features" (penultimate layer)
    dropout 0.5 - linear (128 -> 10)                      # [N, 10]   = "logits"

Input handling (:func:`preprocess`): uint8 [N, C, H, W] -> mean over channels when C = 3 -> float 0..255 ->
resized to 28x28 with ``resize_mode`` "bilinear" (torch interpolate, half-pixel centres, no antialias) when
H, W differ -> ``x / 127.5 - 1``. The digits classifier is trained on the 8x8 digits upscaled to 28x28 by this
same function, so generators of 8x8 digits go through exactly the path the classifier was trained on.

Weight files: ``<dataset>.safetensors`` plus a JSON sidecar ``<dataset>.json`` (dataset, accuracy on held-out
data, architecture and version, SHA-256 of the safetensors file, input size, class count, date), by default in
``$GANFORGE_HOME/classifiers/`` or ``~/.cache/ganforge/classifiers/``. Loading recomputes the file's SHA-256
and refuses a file that does not match its sidecar.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from .base import FeatureExtractor
from .inception import WeightsHashError, WeightsNotFoundError, file_sha256
from .resize import check_resize_mode, resize_images

ARCHITECTURE = "lenet-bn"
ARCHITECTURE_VERSION = 1
INPUT_SIZE = 28                # the network's input resolution (MNIST's native size)
NUM_CLASSES = 10
FEATURE_DIM = 128              # width of the penultimate layer ("features")
CLASSIFIER_DATASETS = ("mnist", "digits")
SIDECAR_FORMAT = "ganforge.classifier"
DEFAULT_RESIZE_MODE = "bilinear"


class LeNetBN(nn.Module):
    """LeNet-style CNN (LeCun et al. 1998) with BatchNorm and dropout: 28x28 grayscale -> 10 logits.

    ``forward`` returns {"features": [N, 128] (penultimate layer, after ReLU), "logits": [N, 10]}. ~220k
    parameters; a 5-epoch Adam run on MNIST reaches ~99.2% test accuracy (see the sidecar for the real number).
    """

    def __init__(self, num_classes: int = NUM_CLASSES, feature_dim: int = FEATURE_DIM) -> None:
        super().__init__()
        # Convolutions carry no bias: the BatchNorm right after them has its own shift.
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),                                                    # [N, 16, 14, 14]
            nn.Conv2d(16, 32, 5, padding=2, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),                                                    # [N, 32, 7, 7]
        )
        self.fc = nn.Sequential(nn.Linear(32 * 7 * 7, feature_dim, bias=False), nn.BatchNorm1d(feature_dim),
                                nn.ReLU(inplace=True))                          # [N, 128]
        self.dropout = nn.Dropout(0.5)
        self.head = nn.Linear(feature_dim, num_classes)                         # [N, 10]

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        assert x.ndim == 4 and x.shape[1:] == (1, INPUT_SIZE, INPUT_SIZE), (
            f"LeNetBN expects [N, 1, {INPUT_SIZE}, {INPUT_SIZE}] in [-1, 1], got {tuple(x.shape)}")
        features = self.fc(self.conv(x).flatten(1))
        return {"features": features, "logits": self.head(self.dropout(features))}


def preprocess(images: Tensor, resize_mode: str = DEFAULT_RESIZE_MODE) -> Tensor:
    """uint8 [N, 1 or 3, H, W] (0..255) -> float [N, 1, 28, 28] in [-1, 1], the classifier's input.

    RGB is averaged to gray (MNIST-like data is gray; equal channels give back the gray value exactly), then
    resized to 28x28 with ``resize_mode`` (see :mod:`.resize`) when the size differs.
    """
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"classifier: expected uint8 images [N, 1 or 3, H, W], got {images.dtype} "
                         f"{tuple(images.shape)}")
    x = images.float()
    if x.shape[1] == 3:
        x = x.mean(dim=1, keepdim=True)
    x = resize_images(x, (INPUT_SIZE, INPUT_SIZE), resize_mode)  # identity at 28x28
    return x / 127.5 - 1.0


# ------------------------------------------------------------------------------------------------------------
# Weight files: safetensors + JSON sidecar
# ------------------------------------------------------------------------------------------------------------

def train_command(dataset: str) -> str:
    """The shell command that (re)creates the default weights of `dataset`."""
    return f"ganforge classifier train {dataset}"


def classifier_path(dataset: str = "mnist", root: str | Path | None = None) -> Path:
    """Default weights file: ``<root>/classifiers/<dataset>.safetensors``; root = $GANFORGE_HOME or
    ~/.cache/ganforge (:func:`ganforge.data.cache.data_home`)."""
    check_classifier_dataset(dataset)
    from ...data.cache import data_home  # lazy: importing ganforge.data registers every dataset

    return data_home(root) / "classifiers" / f"{dataset}.safetensors"


def sidecar_path(weights: str | Path) -> Path:
    """``<name>.json`` next to ``<name>.safetensors``."""
    return Path(weights).with_suffix(".json")


def check_classifier_dataset(dataset: str) -> str:
    if dataset not in CLASSIFIER_DATASETS:
        from ...registry import UnknownNameError, unknown_name_message

        raise UnknownNameError(unknown_name_message("classifier dataset", dataset, list(CLASSIFIER_DATASETS)))
    return dataset


def write_atomic(path: Path, write: Any) -> None:
    """``write(tmp_path)`` then os.replace: readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        _chmod_like_open(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _chmod_like_open(path: str) -> None:
    """mkstemp makes files private (0600); give them the mode a plain open() would (0666 minus the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def save_classifier(net: LeNetBN, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write `net`'s weights to `path` (.safetensors) and the sidecar JSON with `meta` plus the file's SHA-256.

    The sidecar always records format, architecture (+ version), input size, class count, feature size, the
    SHA-256 of the weights file and the creation date; `meta` adds dataset, accuracy, training settings.
    Returns the weights path.
    """
    from safetensors.torch import save_file

    path = Path(path)
    if path.suffix != ".safetensors":
        raise ValueError(f"classifier weights must be a .safetensors file, got {path}")
    state = {k: v.detach().to("cpu").contiguous() for k, v in net.state_dict().items()}
    write_atomic(path, lambda tmp: save_file(state, tmp))
    sidecar = {
        "format": SIDECAR_FORMAT,
        "architecture": ARCHITECTURE,
        "architecture_version": ARCHITECTURE_VERSION,
        "input_size": [1, INPUT_SIZE, INPUT_SIZE],
        "num_classes": NUM_CLASSES,
        "feature_dim": FEATURE_DIM,
        "resize_mode": DEFAULT_RESIZE_MODE,
        **meta,
        "weights_file": path.name,
        "sha256": file_sha256(path),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    text = json.dumps(sidecar, indent=2) + "\n"
    write_atomic(sidecar_path(path), lambda tmp: Path(tmp).write_text(text))
    return path


def load_classifier(dataset: str | None = "mnist", weights: str | Path | None = None,
                    root: str | Path | None = None) -> tuple[LeNetBN, dict[str, Any]]:
    """(network in eval mode, sidecar dict) of a trained classifier, its SHA-256 verified against the sidecar.

    `weights`: a .safetensors file (its sidecar must sit next to it); None: the default file of `dataset`
    (:func:`classifier_path`). Raises WeightsNotFoundError (a FileNotFoundError) when the file or sidecar is
    missing and WeightsHashError (a ValueError) when the file's hash differs from the sidecar's; both name the
    command that (re)trains it.
    """
    path = Path(weights).expanduser() if weights is not None else classifier_path(dataset or "mnist", root)
    name = dataset if weights is None else (dataset or "<dataset>")
    how = (f"Train it (a few minutes on a CPU) with `{train_command(name)}`" + (f" --out {path}" if weights else "")
           + f", or in Python ganforge.metrics.classifier.train_classifier({name!r}).")
    meta_path = sidecar_path(path)
    if not path.is_file():
        raise WeightsNotFoundError(f"domain classifier weights not found: {path} does not exist. {how}")
    if not meta_path.is_file():
        raise WeightsNotFoundError(f"{path}: its sidecar {meta_path} (dataset, accuracy, SHA-256) is missing, "
                                   f"so the weights cannot be verified. {how}")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as err:
        raise WeightsHashError(f"{meta_path}: unreadable sidecar ({err}). {how}") from None
    if not isinstance(meta, dict) or meta.get("format") != SIDECAR_FORMAT:
        raise WeightsHashError(f"{meta_path}: not a ganforge classifier sidecar. {how}")
    if dataset is not None and meta.get("dataset") != dataset:
        raise ValueError(f"{path} is a classifier for '{meta.get('dataset')}', not for '{dataset}'")
    arch = (meta.get("architecture"), meta.get("architecture_version"))
    if arch != (ARCHITECTURE, ARCHITECTURE_VERSION):
        raise WeightsHashError(f"{path}: architecture {arch[0]} v{arch[1]}, but this ganforge builds "
                               f"{ARCHITECTURE} v{ARCHITECTURE_VERSION}; retrain: `{train_command(name)}`")
    found = file_sha256(path)
    if found != meta.get("sha256"):
        raise WeightsHashError(f"{path}: SHA-256 is {found}, but its sidecar {meta_path.name} records "
                               f"{meta.get('sha256')}: the file is corrupt or was replaced. Retrain it with "
                               f"`{train_command(meta.get('dataset', name))}`" + (f" --out {path}" if weights else "")
                               + ".")
    from safetensors.torch import load_file

    net = LeNetBN(num_classes=int(meta.get("num_classes", NUM_CLASSES)),
                  feature_dim=int(meta.get("feature_dim", FEATURE_DIM)))
    try:
        net.load_state_dict(load_file(str(path), device="cpu"), strict=True)
    except RuntimeError as err:
        raise WeightsHashError(f"{path}: not {ARCHITECTURE} v{ARCHITECTURE_VERSION} weights ({err})") from None
    meta["path"] = str(path)
    return net.eval().requires_grad_(False), meta


# ------------------------------------------------------------------------------------------------------------
# The extractor
# ------------------------------------------------------------------------------------------------------------

class ClassifierExtractor(FeatureExtractor):
    """Domain-classifier features of uint8 images: {"features": [N, 128], "logits": [N, 10]} (float32).

    Pipeline: uint8 [N, 1 or 3, H, W] -> :func:`preprocess` (gray, resize to 28x28 with ``resize_mode``,
    [-1, 1]) -> :class:`LeNetBN` in eval mode. ``name`` is "classifier-<dataset>" and ``weights_hash`` the
    SHA-256 of the weights file; ``random_weights=True`` gives seeded untrained weights for tests
    ("classifier-<dataset>-random", hash "random"): such scores mean nothing.
    """

    feature_names = ("features", "logits")
    in_channels = None  # 1 or 3 channels both work: preprocess() averages RGB to gray

    def __init__(
        self,
        dataset: str = "mnist",                     # whose classifier: mnist or digits
        *,
        weights: str | os.PathLike[str] | None = None,  # .safetensors file; None: the cache's <dataset> file
        root: str | Path | None = None,             # cache root; None: $GANFORGE_HOME or ~/.cache/ganforge
        random_weights: bool = False,               # True: seeded untrained weights, for tests only
        seed: int = 0,                              # seed of the random weights
        resize_mode: str = DEFAULT_RESIZE_MODE,     # resampler to 28x28 (see resize.RESIZE_MODES)
        device: torch.device | str = "cpu",
    ) -> None:
        check_classifier_dataset(dataset)
        if random_weights and weights is not None:
            raise ValueError("pass either weights=<path> or random_weights=True, not both")
        self.resize_mode = check_resize_mode(resize_mode)
        if random_weights:
            torch_state = torch.random.get_rng_state()
            torch.manual_seed(seed)
            self.net = LeNetBN().eval().requires_grad_(False)
            torch.random.set_rng_state(torch_state)  # building a test extractor must not move global RNG
            self.meta: dict[str, Any] = {"dataset": dataset, "random_weights": True, "seed": seed}
            self.name = f"classifier-{dataset}-random"
            self.weights_hash: str | None = "random"
        else:
            self.net, self.meta = load_classifier(dataset, weights, root)
            self.name = f"classifier-{self.meta['dataset']}"
            self.weights_hash = self.meta["sha256"]
        self.dataset = self.meta["dataset"]
        self.to(device)

    def to(self, device: torch.device | str) -> ClassifierExtractor:
        self.device = torch.device(device)
        self.net.to(self.device)
        return self

    def extract(self, images: Tensor) -> dict[str, Tensor]:
        return self.net(preprocess(images, self.resize_mode))

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info.update({"architecture": f"{ARCHITECTURE} v{ARCHITECTURE_VERSION}",
                     "classifier_dataset": self.dataset,
                     "classifier_test_accuracy": self.meta.get("test_accuracy")})
        return info


def _register() -> None:
    from . import EXTRACTORS

    if "classifier" not in EXTRACTORS:  # re-imports (importlib.reload, test runners) must not register twice
        EXTRACTORS.add("classifier", ClassifierExtractor)


_register()
