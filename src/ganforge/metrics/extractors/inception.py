"""Inception-v3 in the form FID and IS are defined on: the TensorFlow graph ``inception-2015-12-05``.

FID (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium")
and IS (Salimans et al. 2016, "Improved Techniques for Training GANs") use this particular TF graph, not
torchvision's ImageNet Inception-v3. pytorch-fid (Seitzer, github.com/mseitzer/pytorch-fid) ported its weights
to ``pt_inception-2015-12-05-6726825d.pth``; torch-fidelity (Obukhov et al.) matches the TF graph to float
precision. This module is a from-scratch, torchvision-free rewrite of that network with the same parameter
names, so the pytorch-fid file loads with ``strict=True``. It differs from torchvision's Inception3 in:

- the average pools in Mixed_5b..5d, 6b..6e and 7b exclude zero padding (``count_include_pad=False``), as
  TF's SAME-padded average pool divides by the number of real pixels;
- the pool branch of the last block (Mixed_7c) is a 3x3 *max* pool (a quirk of the TF graph);
- 1008 classes (the TF graph's label map), with the ``fc`` bias in the file; see ``logits`` below.

Input handling follows torch-fidelity's ``FeatureExtractorInceptionV3``: uint8 -> float 0..255, resized to
299x299 with TF 1.x bilinear (``resize_mode="tf1-bilinear"``, see :mod:`.resize`), then ``(x - 128) / 128``,
the ``Sub``/``Mul`` nodes of the TF graph (pytorch-fid's ``2 * x / 255 - 1`` differs by 0.4%).

Features: ``pool`` = the 2048-d ``pool_3`` output used by FID/KID/precision-recall; ``logits`` =
``pool @ fc.weight.T`` *without* the bias: the IS reference code (openai/improved-gan ``inception_score.py``)
takes the softmax of ``pool_3 @ W`` with the ``softmax/logits/MatMul`` weight only (torch-fidelity's
``logits_unbiased``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import FeatureExtractor
from .resize import check_resize_mode, resize_images

INCEPTION_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
INCEPTION_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{INCEPTION_FILENAME}"
# SHA-256 of that file (95,628,359 bytes, 566 state-dict entries). torch.hub names files
# `<name>-<first 8 hex digits of the SHA-256>.pth`, hence "6726825d"; the full digest is the one pinned by
# projects that verify this download (torch-fidelity's weights-inception-2015-12-05-6726825d.pth is the
# same file).
INCEPTION_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
WEIGHTS_ENV_VAR = "GANFORGE_INCEPTION_WEIGHTS"  # full path to the weights file
HOME_ENV_VAR = "GANFORGE_HOME"                  # weights are looked for in $GANFORGE_HOME/weights/
INPUT_SIZE = 299                                # the TF graph's input resolution
NUM_CLASSES = 1008                              # the TF graph's label map (1000 ImageNet classes + unused)


class WeightsNotFoundError(FileNotFoundError):
    """A pretrained weights file is not on disk; the message says which, where to get it, where to put it."""


class WeightsHashError(ValueError):
    """A weights file exists but its SHA-256 is not the expected one (corrupt, truncated or other weights)."""


# ------------------------------------------------------------------------------------------------------------
# Finding, verifying and reading the weights file
# ------------------------------------------------------------------------------------------------------------

def weights_search_dirs() -> list[Path]:
    """Where INCEPTION_FILENAME is looked for when no path is given: $GANFORGE_HOME/weights, the cache."""
    dirs = []
    if os.environ.get(HOME_ENV_VAR):
        dirs.append(Path(os.environ[HOME_ENV_VAR]).expanduser() / "weights")
    dirs.append(Path("~/.cache/ganforge/weights").expanduser())
    return dirs


def _not_found_message(missing: Path | None, searched: list[Path]) -> str:
    where = f"{missing} does not exist." if missing is not None else (
        "it is not in any of: " + ", ".join(str(p) for p in searched) + ".")
    return (
        f"FID Inception weights {INCEPTION_FILENAME} not found: {where}\n"
        f"Download it (95.6 MB) from {INCEPTION_URL}\n"
        f"and either put it in ~/.cache/ganforge/weights/ (or $GANFORGE_HOME/weights/), or set "
        f"{WEIGHTS_ENV_VAR}=/path/to/{INCEPTION_FILENAME}, or pass weights=<path>.\n"
        f"For tests only, InceptionExtractor(random_weights=True) runs untrained weights (not FID)."
    )


def find_inception_weights(weights: str | os.PathLike[str] | None = None) -> Path:
    """The weights file: `weights` if given, else $GANFORGE_INCEPTION_WEIGHTS, else the first existing
    INCEPTION_FILENAME in :func:`weights_search_dirs`. Raises WeightsNotFoundError naming the file."""
    if weights is None and os.environ.get(WEIGHTS_ENV_VAR):
        weights = os.environ[WEIGHTS_ENV_VAR]
    if weights is not None:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise WeightsNotFoundError(_not_found_message(path, []))
        return path
    searched = [d / INCEPTION_FILENAME for d in weights_search_dirs()]
    for path in searched:
        if path.is_file():
            return path
    raise WeightsNotFoundError(_not_found_message(None, searched))


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_state_dict_file(path: str | os.PathLike[str]) -> dict[str, Tensor]:
    """CPU tensors of a ``.pth`` (read with ``torch.load(weights_only=True)``) or ``.safetensors`` file."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path), device="cpu")
    if path.suffix in (".pth", ".pt", ".bin"):
        state = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
            raise ValueError(f"{path}: expected a flat state_dict of tensors, got {type(state).__name__}")
        return dict(state)
    raise ValueError(f"{path}: unknown weights format '{path.suffix}'; expected .pth or .safetensors")


# ------------------------------------------------------------------------------------------------------------
# The network. Parameter names follow torchvision's Inception3 / pytorch-fid's state_dict exactly.
# ------------------------------------------------------------------------------------------------------------

def _avg_pool_tf(x: Tensor) -> Tensor:
    # TF's SAME-padded 3x3 average divides by the count of real pixels, not 9 (pytorch-fid's "FID patch").
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class BasicConv2d(nn.Module):
    """conv (no bias) -> BatchNorm (eps 0.001, the TF graph's) -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int = 1, padding: int | tuple[int, int] = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


class InceptionA(nn.Module):
    """35x35 block (Mixed_5b..5d): 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avgpool-1x1 -> 224 + pool_features."""

    def __init__(self, in_channels: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, 1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, 1)

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(_avg_pool_tf(x))
        return torch.cat([b1, b5, b3, bp], 1)


class InceptionB(nn.Module):
    """Grid reduction 35 -> 17 (Mixed_6a): 3x3/2 | 1x1-3x3-3x3/2 | maxpool/2 -> 384 + 96 + in channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3(x)
        b3d = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, b3d, bp], 1)


class InceptionC(nn.Module):
    """17x17 block (Mixed_6b..6e) with factorised 7x7 convs (1x7, 7x1) of width c7 -> 4 * 192 channels."""

    def __init__(self, in_channels: int, channels_7x7: int) -> None:
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        b7d = self.branch7x7dbl_1(x)
        for conv in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            b7d = conv(b7d)
        bp = self.branch_pool(_avg_pool_tf(x))
        return torch.cat([b1, b7, b7d, bp], 1)


class InceptionD(nn.Module):
    """Grid reduction 17 -> 8 (Mixed_7a): 1x1-3x3/2 | 1x1-1x7-7x1-3x3/2 | maxpool/2 -> 320 + 192 + in."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_1(x)
        for conv in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            b7 = conv(b7)
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, b7, bp], 1)


class InceptionE(nn.Module):
    """8x8 block (Mixed_7b, 7c) with split 1x3/3x1 heads -> 320 + 768 + 768 + 192 = 2048 channels.

    pool: "avg" (Mixed_7b, padding excluded) or "max" (Mixed_7c: the TF graph max-pools here).
    """

    def __init__(self, in_channels: int, pool: Literal["avg", "max"]) -> None:
        super().__init__()
        if pool not in ("avg", "max"):
            raise ValueError(f"pool must be 'avg' or 'max', got {pool!r}")
        self.pool = pool
        self.branch1x1 = BasicConv2d(in_channels, 320, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        b3d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        b3d = torch.cat([self.branch3x3dbl_3a(b3d), self.branch3x3dbl_3b(b3d)], 1)
        if self.pool == "max":
            pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            pooled = _avg_pool_tf(x)
        bp = self.branch_pool(pooled)
        return torch.cat([b1, b3, b3d, bp], 1)


class FIDInceptionV3(nn.Module):
    """FID Inception-v3: x float [N, 3, 299, 299] in [-1, 1] -> {"pool": [N, 2048], "logits": [N, 1008]}.

    23,850,960 parameters (torchvision's 27,161,264 for Inception3 less its 3,326,696-parameter aux head, plus
    8 more classes in fc). State dict keys: 94 BasicConv2d x 6 entries + fc.weight + fc.bias = 566.
    """

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)    # -> [N, 32, 149, 149]
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)             # -> [N, 32, 147, 147]
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)  # -> [N, 64, 147, 147], maxpool -> 73x73
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)             # -> [N, 80, 73, 73]
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)            # -> [N, 192, 71, 71], maxpool -> 35x35
        self.Mixed_5b = InceptionA(192, pool_features=32)      # -> [N, 256, 35, 35]
        self.Mixed_5c = InceptionA(256, pool_features=64)      # -> [N, 288, 35, 35]
        self.Mixed_5d = InceptionA(288, pool_features=64)      # -> [N, 288, 35, 35]
        self.Mixed_6a = InceptionB(288)                        # -> [N, 768, 17, 17]
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)      # -> [N, 768, 17, 17]
        self.Mixed_7a = InceptionD(768)                        # -> [N, 1280, 8, 8]
        self.Mixed_7b = InceptionE(1280, pool="avg")           # -> [N, 2048, 8, 8]
        self.Mixed_7c = InceptionE(2048, pool="max")           # -> [N, 2048, 8, 8]
        # The file stores a bias: kept for strict loading, left out of "logits" (see the module docstring).
        self.fc = nn.Linear(2048, NUM_CLASSES)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        assert x.ndim == 4 and x.shape[1] == 3, f"expected [N, 3, H, W] (299x299), got {tuple(x.shape)}"
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        blocks = (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                  self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c)
        for block in blocks:                                   # -> [N, 2048, 8, 8]
            x = block(x)
        pool = F.adaptive_avg_pool2d(x, 1).flatten(1)          # pool_3: [N, 2048]
        logits = pool @ self.fc.weight.T                       # [N, 1008], unbiased as in the IS code
        return {"pool": pool, "logits": logits}


def init_random_(net: nn.Module, seed: int = 0) -> nn.Module:
    """Seeded stand-in weights for tests: He-normal convs, so activations keep their scale through 48
    layers (PyTorch's default init shrinks them towards 0), and non-trivial BatchNorm affines and statistics.
    """
    g = torch.Generator().manual_seed(seed)

    def fill(t: Tensor, values: Tensor) -> None:
        with torch.no_grad():
            t.copy_(values)

    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            fan_in = module.weight[0].numel()
            fill(module.weight, torch.randn(module.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
        elif isinstance(module, nn.BatchNorm2d):
            c = module.num_features
            fill(module.weight, 0.75 + 0.5 * torch.rand(c, generator=g))
            fill(module.bias, 0.1 * torch.randn(c, generator=g))
            fill(module.running_mean, 0.1 * torch.randn(c, generator=g))
            fill(module.running_var, 0.75 + 0.5 * torch.rand(c, generator=g))
        elif isinstance(module, nn.Linear):
            fill(module.weight, torch.randn(module.weight.shape, generator=g) / module.in_features ** 0.5)
            fill(module.bias, 0.1 * torch.randn(module.out_features, generator=g))
    return net


# ------------------------------------------------------------------------------------------------------------
# The extractor
# ------------------------------------------------------------------------------------------------------------

class InceptionExtractor(FeatureExtractor):
    """FID Inception-v3 features of uint8 images: {"pool": [N, 2048], "logits": [N, 1008]} (float32).

    Pipeline: uint8 [N, 3 (or 1, repeated), H, W] -> float 0..255 -> resize to 299x299 (``resize_mode``) ->
    ``(x - 128) / 128`` -> :class:`FIDInceptionV3`. ``weights_hash`` is the SHA-256 of the loaded file, or
    "random" for ``random_weights=True`` (untrained test weights: such scores are not FID/IS).
    """

    feature_names = ("pool", "logits")

    def __init__(
        self,
        weights: str | os.PathLike[str] | None = None,  # None: $GANFORGE_INCEPTION_WEIGHTS, then search dirs
        *,
        random_weights: bool = False,                    # True: seeded untrained weights, for tests only
        seed: int = 0,                                   # seed of the random weights
        expected_sha256: str | None = INCEPTION_SHA256,  # None skips the check (the hash is still recorded)
        resize_mode: str = "tf1-bilinear",               # resampler to 299x299 (see resize.RESIZE_MODES)
        device: torch.device | str = "cpu",
    ) -> None:
        if random_weights and weights is not None:
            raise ValueError("pass either weights=<path> or random_weights=True, not both")
        self.resize_mode = check_resize_mode(resize_mode)
        self.net = FIDInceptionV3()
        if random_weights:
            init_random_(self.net, seed)
            self.name = "inception-v3-random"
            self.weights_hash: str | None = "random"
            self.weights_path: Path | None = None
        else:
            path = find_inception_weights(weights)
            found = file_sha256(path)
            if expected_sha256 is not None and found != expected_sha256.lower():
                raise WeightsHashError(
                    f"{path}: SHA-256 is {found}, expected {expected_sha256.lower()}"
                    + (f" ({INCEPTION_FILENAME})" if expected_sha256.lower() == INCEPTION_SHA256 else "")
                    + f". The file is corrupt, truncated or holds other weights; download it again from "
                    f"{INCEPTION_URL}. A .safetensors conversion has its own hash: pass "
                    f"expected_sha256=<its SHA-256> (or None to skip the check)."
                )
            state = load_state_dict_file(path)
            try:
                self.net.load_state_dict(state, strict=True)
            except RuntimeError as err:
                raise ValueError(f"{path}: not an FID Inception-v3 state dict: {err}") from err
            self.name = "inception-v3-fid"
            self.weights_hash = found
            self.weights_path = path
        self.net.eval().requires_grad_(False)  # BatchNorm on stored statistics: batch-independent features
        self.to(device)

    def to(self, device: torch.device | str) -> InceptionExtractor:
        self.device = torch.device(device)
        self.net.to(self.device)
        return self

    def extract(self, images: Tensor) -> dict[str, Tensor]:
        assert images.dtype == torch.uint8 and images.ndim == 4 and images.shape[1] == 3, (
            f"expected uint8 [N, 3, H, W], got {images.dtype} {tuple(images.shape)}")
        x = resize_images(images.float(), (INPUT_SIZE, INPUT_SIZE), self.resize_mode)  # float 0..255
        x = (x - 128.0) / 128.0  # the TF graph's Sub(128) and Mul(1/128) nodes
        return self.net(x)
