"""Feature extractors: the FID Inception-v3 layout, TF1 resizing, weight files, and the extractor protocol.

The real Inception weights cannot be downloaded here, so Inception tests run seeded random weights: they check
architecture, plumbing and invariances, never FID values.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from ganforge.metrics.extractors import (
    INCEPTION_FILENAME,
    INCEPTION_SHA256,
    INCEPTION_URL,
    RESIZE_MODES,
    WEIGHTS_ENV_VAR,
    CallableExtractor,
    FIDInceptionV3,
    InceptionExtractor,
    WeightsHashError,
    WeightsNotFoundError,
    extract_features,
    get_extractor,
    module_sha256,
    resize_bilinear_tf1,
    resize_images,
    to_uint8,
)


@pytest.fixture(scope="module")
def inception() -> InceptionExtractor:
    return InceptionExtractor(random_weights=True, seed=0)


def _images(n: int, c: int = 3, size: int = 40, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, c, size, size), generator=g, dtype=torch.uint8)


# ----------------------------------------------------------------------------------------------------------
# Architecture
# ----------------------------------------------------------------------------------------------------------


def test_fid_inception_matches_pytorch_fid_layout_and_parameter_count():
    net = FIDInceptionV3()
    state = net.state_dict()
    # Keys and shapes of pytorch-fid's pt_inception-2015-12-05 state dict (torchvision Inception3 names).
    expected_shapes = {
        "Conv2d_1a_3x3.conv.weight": (32, 3, 3, 3),
        "Conv2d_1a_3x3.bn.running_var": (32,),
        "Conv2d_4a_3x3.conv.weight": (192, 80, 3, 3),
        "Mixed_5b.branch1x1.conv.weight": (64, 192, 1, 1),
        "Mixed_5b.branch_pool.conv.weight": (32, 192, 1, 1),
        "Mixed_6a.branch3x3.conv.weight": (384, 288, 3, 3),
        "Mixed_6b.branch7x7_2.conv.weight": (128, 128, 1, 7),
        "Mixed_6e.branch7x7dbl_5.conv.weight": (192, 192, 1, 7),
        "Mixed_7a.branch7x7x3_4.conv.weight": (192, 192, 3, 3),
        "Mixed_7b.branch3x3dbl_3b.conv.weight": (384, 384, 3, 1),
        "Mixed_7c.branch_pool.conv.weight": (192, 2048, 1, 1),
        "fc.weight": (1008, 2048),
        "fc.bias": (1008,),
    }
    for key, shape in expected_shapes.items():
        assert tuple(state[key].shape) == shape, key
    assert not any(k.startswith("AuxLogits") for k in state)
    # 94 BasicConv2d x (conv.weight + 5 BatchNorm entries) + fc.weight + fc.bias: the file's 566 entries.
    assert len(state) == 94 * 6 + 2 == 566

    # torchvision publishes 27,161,264 parameters for Inception3 (1000 classes, with its aux head). The aux
    # head is conv 768->128 1x1 + BN, conv 128->768 5x5 + BN, fc 768->1000 with bias; the FID net drops it
    # and has 1008 classes. The FID blocks only change pooling, which has no parameters.
    aux = (768 * 128 + 2 * 128) + (128 * 768 * 25 + 2 * 768) + (768 * 1000 + 1000)
    expected = 27_161_264 - aux + 8 * 2048 + 8
    assert sum(p.numel() for p in net.parameters()) == expected == 23_850_960


# ----------------------------------------------------------------------------------------------------------
# Resizing
# ----------------------------------------------------------------------------------------------------------


def _tf1_bilinear_by_definition(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Per-pixel TF 1.x resize_bilinear (align_corners=False): s = d * in/out; floor(s) and its clamped +1."""
    in_h, in_w = img.shape
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            sy, sx = i * in_h / out_h, j * in_w / out_w
            y0, x0 = math.floor(sy), math.floor(sx)
            y1, x1 = min(y0 + 1, in_h - 1), min(x0 + 1, in_w - 1)
            fy, fx = sy - y0, sx - x0
            top = img[y0, x0] + (img[y0, x1] - img[y0, x0]) * fx
            bottom = img[y1, x0] + (img[y1, x1] - img[y1, x0]) * fx
            out[i, j] = top + (bottom - top) * fy
    return out


def test_tf1_bilinear_resize_hand_computed_examples():
    img = torch.tensor([[0.0, 10.0], [20.0, 30.0]])[None, None]
    # 2 -> 4: s = d / 2 = 0, .5, 1, 1.5; at s = 1.5 the upper neighbour is clamped to the last pixel.
    expected = torch.tensor(
        [[0.0, 5.0, 10.0, 10.0], [10.0, 15.0, 20.0, 20.0], [20.0, 25.0, 30.0, 30.0], [20.0, 25.0, 30.0, 30.0]]
    )
    assert torch.equal(resize_bilinear_tf1(img, (4, 4))[0, 0], expected)
    assert torch.equal(resize_images(img, (4, 4), "tf1-bilinear")[0, 0], expected)
    # Half-pixel centres (torch/pytorch-fid "bilinear"): s = (d + .5) / 2 - .5 = -.25, .25, .75, 1.25 clamped.
    half_pixel = resize_images(img, (4, 4), "bilinear")[0, 0, 0]
    assert torch.allclose(half_pixel, torch.tensor([0.0, 2.5, 7.5, 10.0]))

    # 4 -> 3 (shrinking, non-integer ratio): s = 0, 4/3, 8/3.
    row = torch.tensor([0.0, 10.0, 20.0, 30.0])[None, None, None]
    assert torch.allclose(resize_bilinear_tf1(row, (1, 3))[0, 0, 0], torch.tensor([0.0, 40 / 3, 80 / 3]))

    # An odd case against the per-pixel definition.
    g = torch.Generator().manual_seed(1)
    src = torch.rand(1, 1, 3, 5, generator=g, dtype=torch.float64) * 255
    ours = resize_bilinear_tf1(src, (7, 4))[0, 0].numpy()
    np.testing.assert_allclose(ours, _tf1_bilinear_by_definition(src[0, 0].numpy(), 7, 4), atol=1e-4)

    # Same size: the identity (s = d exactly), in every mode.
    x = torch.rand(2, 3, 5, 7, generator=g) * 255
    assert torch.equal(resize_bilinear_tf1(x, (5, 7)), x)
    for mode in RESIZE_MODES:
        assert torch.equal(resize_images(x, (5, 7), mode), x), mode
        # Every interpolation kernel sums to 1: a flat image stays flat, shrinking or growing.
        flat = torch.full((1, 2, 5, 7), 77.0)
        for size in [(3, 4), (11, 9)]:
            torch.testing.assert_close(resize_images(flat, size, mode), torch.full((1, 2, *size), 77.0))


def test_unknown_resize_mode_lists_valid_ones():
    with pytest.raises(ValueError, match="tf1-bilinear") as err:
        InceptionExtractor(random_weights=True, resize_mode="tf-bilinear")
    assert all(mode in str(err.value) for mode in RESIZE_MODES)


# ----------------------------------------------------------------------------------------------------------
# Inception extractor (random weights)
# ----------------------------------------------------------------------------------------------------------


def test_inception_shapes_batch_invariance_and_unbiased_logits(inception):
    images = _images(3)
    batched = extract_features(inception, images, batch_size=3)
    single = extract_features(inception, images, batch_size=1, progress=True)
    assert batched["pool"].shape == (3, 2048) and batched["logits"].shape == (3, 1008)
    assert batched["pool"].dtype == np.float32
    for key in ("pool", "logits"):
        np.testing.assert_allclose(single[key], batched[key], rtol=0, atol=1e-5)
    assert (batched["pool"] >= 0).all()  # an average of ReLU outputs
    # logits are pool_3 @ W without the fc bias, as in the IS reference code.
    w = inception.net.fc.weight.detach().numpy()
    np.testing.assert_allclose(batched["logits"], batched["pool"] @ w.T, rtol=1e-4, atol=1e-4)
    assert inception.describe() == {
        "extractor": "inception-v3-random",
        "weights_hash": "random",
        "resize_mode": "tf1-bilinear",
        "features": ["pool", "logits"],
    }


def test_grayscale_is_repeated_to_rgb(inception):
    gray = _images(1, c=1, seed=3)
    feats = inception(gray)
    rgb = inception(gray.repeat(1, 3, 1, 1))
    for key in ("pool", "logits"):
        torch.testing.assert_close(feats[key], rgb[key], rtol=0, atol=1e-5)


# ----------------------------------------------------------------------------------------------------------
# Weights files
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def no_weights_anywhere(tmp_path, monkeypatch):
    monkeypatch.delenv(WEIGHTS_ENV_VAR, raising=False)
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "ganforge_home"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # ~/.cache/ganforge/weights inside tmp_path
    return tmp_path


def test_missing_weights_raise_one_clear_error(no_weights_anywhere, monkeypatch):
    with pytest.raises(WeightsNotFoundError) as err:
        get_extractor("inception")
    assert isinstance(err.value, FileNotFoundError)
    message = str(err.value)
    for needle in (
        INCEPTION_FILENAME,
        INCEPTION_URL,
        WEIGHTS_ENV_VAR,
        "~/.cache/ganforge/weights",
        str(no_weights_anywhere / "ganforge_home" / "weights" / INCEPTION_FILENAME),
    ):
        assert needle in message

    missing = no_weights_anywhere / "elsewhere.pth"
    monkeypatch.setenv(WEIGHTS_ENV_VAR, str(missing))
    with pytest.raises(WeightsNotFoundError, match=str(missing)):
        InceptionExtractor()

    with pytest.raises(KeyError, match="did you mean 'inception'"):
        get_extractor("incepton")


def test_weights_with_wrong_hash_are_refused(no_weights_anywhere):
    # Found through $GANFORGE_HOME/weights/<expected name>, but not the right bytes.
    fake = no_weights_anywhere / "ganforge_home" / "weights" / INCEPTION_FILENAME
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"these are not the Inception weights")
    found = hashlib.sha256(fake.read_bytes()).hexdigest()
    with pytest.raises(WeightsHashError) as err:
        InceptionExtractor()
    assert INCEPTION_SHA256 in str(err.value) and found in str(err.value)
    assert INCEPTION_SHA256.startswith("6726825d")  # torch.hub file names carry the hash's first 8 digits


@pytest.fixture(scope="module")
def one_image_features(inception) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    image = _images(1, seed=5)
    return image, inception(image)


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_saved_weights_load_back_strictly_with_identical_features(inception, one_image_features, tmp_path, suffix):
    path = tmp_path / f"inception{suffix}"
    state = {k: v.contiguous() for k, v in inception.net.state_dict().items()}
    if suffix == ".pth":
        torch.save(state, path)
    else:
        save_file(state, str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(WeightsHashError):  # the published hash is the .pth file's, not this one's
        InceptionExtractor(weights=path)
    loaded = InceptionExtractor(weights=path, expected_sha256=digest)
    assert loaded.weights_hash == digest and loaded.name == "inception-v3-fid"
    saved = inception.net.state_dict()
    assert all(torch.equal(t, saved[k]) for k, t in loaded.net.state_dict().items())
    image, ours = one_image_features
    theirs = loaded(image)
    for key in ("pool", "logits"):
        # Same weights and input, but the sums may run in another order: the module fixture ran before
        # tests/conftest.py drops torch to one thread, and CPU conv kernels split work by thread count.
        torch.testing.assert_close(theirs[key], ours[key], rtol=0, atol=1e-5)

    missing_key = tmp_path / f"partial{suffix}"
    state.pop("fc.bias")
    if suffix == ".pth":
        torch.save(state, missing_key)
    else:
        save_file(state, str(missing_key))
    with pytest.raises(ValueError, match="fc.bias"):  # strict loading
        InceptionExtractor(weights=missing_key, expected_sha256=None)


# ----------------------------------------------------------------------------------------------------------
# The protocol with a user network
# ----------------------------------------------------------------------------------------------------------


class ChannelStats(nn.Module):
    """Per-channel mean and max of its input; a BatchNorm makes train mode visible."""

    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(3, affine=False, eps=0.0)
        self.seen_dtype: torch.dtype | None = None

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        self.seen_dtype = x.dtype
        y = self.bn(x.float())
        return {"mean": y.mean(dim=(2, 3)), "max": y.amax(dim=(2, 3)), "unused": y}


def test_callable_extractor_on_a_tiny_module():
    net = ChannelStats()
    ext = CallableExtractor(net, name="stats", feature_names=("mean", "max"), in_channels=3)
    assert not net.training  # eval: BatchNorm uses running stats (0, 1), the identity here
    assert ext.weights_hash == module_sha256(net) and len(ext.weights_hash) == 64

    # Gray images: all black, all white, left half white -> [-1, 1] floats repeated to 3 channels.
    gray = torch.zeros(3, 1, 4, 4, dtype=torch.uint8)
    gray[1] = 255
    gray[2, :, :, :2] = 255
    feats = ext(gray)
    assert torch.allclose(feats["mean"], torch.tensor([-1.0, 1.0, 0.0])[:, None].expand(3, 3))
    assert torch.allclose(feats["max"], torch.tensor([-1.0, 1.0, 1.0])[:, None].expand(3, 3))
    assert net.seen_dtype == torch.float32

    raw = CallableExtractor(lambda x: x, name="raw", takes_uint8=True, image_size=2, resize_mode="nearest")
    out = raw(gray)["features"]
    assert out.shape == (3, 4) and out.dtype == torch.float32  # [N, 1, 2, 2] flattened
    assert torch.equal(out[2], torch.tensor([255.0, 0.0, 255.0, 0.0]))

    with torch.no_grad():
        net.bn.running_mean.fill_(0.5)
    assert module_sha256(net) != ext.weights_hash


def test_extract_features_accepts_arrays_iterables_and_samplers():
    ext = CallableExtractor(lambda x: x.mean(dim=(2, 3)), name="mean")
    images = _images(7, size=8)
    reference = extract_features(ext, images, batch_size=3)["features"]
    assert reference.shape == (7, 3)
    np.testing.assert_allclose(reference, images.float().mean(dim=(2, 3)).numpy() / 127.5 - 1, atol=1e-6)

    def from_loader():
        for i in range(0, 7, 4):
            yield images[i : i + 4], torch.zeros(len(images[i : i + 4]))  # (images, labels) like a DataLoader

    cursor = iter(range(7))

    def sampler(n: int) -> torch.Tensor:
        return images[[next(cursor) for _ in range(n)]]

    for source, kwargs in [
        (images.numpy(), {}),
        (list(images.split(2)), {}),
        (from_loader, {}),
        (from_loader(), {}),
        (sampler, {"num_images": 7}),
    ]:
        out = extract_features(ext, source, batch_size=3, device="cpu", **kwargs)["features"]
        np.testing.assert_array_equal(out, reference)
    assert extract_features(ext, iter(images.split(5)), num_images=4)["features"].shape == (4, 3)
    assert extract_features(ext, images, num_images=5, batch_size=2)["features"].shape == (5, 3)
    for source in (sampler, images, iter(images.split(2))):  # no count, or more than there are
        with pytest.raises(ValueError, match="num_images"):
            extract_features(ext, source, num_images=None if source is sampler else 8)
    assert torch.equal(to_uint8(torch.tensor([-1.0, 0.0, 1.0, 2.0])), torch.tensor([0, 128, 255, 255]).byte())


@pytest.mark.parametrize(
    "images, needle",
    [
        (torch.zeros(2, 3, 8, 8), "to_uint8"),  # float images
        (torch.zeros(3, 8, 8, dtype=torch.uint8), "batch dimension"),  # one image without N
        (torch.zeros(2, 8, 8, 3, dtype=torch.uint8), "channels-last"),  # NHWC
        (torch.zeros(2, 2, 8, 8, dtype=torch.uint8), r"C in \(1, 3\)"),  # two channels
    ],
)
def test_bad_images_raise_value_error_saying_what_was_expected(inception, images, needle):
    with pytest.raises(ValueError, match=needle) as err:
        inception(images)
    assert "[N, C, H, W]" in str(err.value) and str(tuple(images.shape)) in str(err.value)
