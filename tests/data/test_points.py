"""The user point-file loader: round trips and the errors it promises."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from ganforge.config import DataConfig
from ganforge.data import DataError, PointDataset, build_dataset
from ganforge.data.points import load_points

PTS = np.array([[1.0, -2.0], [0.5, 0.25], [-1.5, 3.0]])


def build(path) -> PointDataset:
    return build_dataset(DataConfig(name="points", path=str(path)))


def test_npy_round_trip(tmp_path):
    path = tmp_path / "pts.npy"
    np.save(path, PTS)
    ds = build(path)
    assert isinstance(ds, PointDataset)
    assert ds.points.dtype == torch.float32
    np.testing.assert_array_equal(ds.points.numpy(), PTS.astype(np.float32))
    assert ds.scale == pytest.approx(1.05 * 3.0)
    x, c = ds.batch(torch.arange(len(ds)))
    assert c is None and x.abs().max() == pytest.approx(1 / 1.05)


@pytest.mark.parametrize("text", [
    "1,-2\n0.5,0.25\n-1.5,3\n",
    "x,y\n1,-2\n0.5,0.25\n-1.5,3\n",
    "\ufeffx, y\n\n 1 , -2\n0.5,0.25\n\n-1.5,3e0\n\n",   # BOM, spaces, blank lines, exponent
])
def test_csv_with_and_without_header(tmp_path, text):
    path = tmp_path / "pts.csv"
    path.write_text(text, encoding="utf-8")
    np.testing.assert_array_equal(load_points(path), PTS.astype(np.float32))


def test_all_zero_points_get_unit_scale(tmp_path):
    path = tmp_path / "zeros.npy"
    np.save(path, np.zeros((3, 2)))
    assert build(path).scale == 1.0


def error(path) -> str:
    with pytest.raises(DataError) as info:
        build(path)
    return str(info.value)


def test_missing_path():
    with pytest.raises(DataError, match="data.path"):
        build_dataset(DataConfig(name="points"))
    assert "does not exist" in error("/nonexistent/pts.csv")


def test_unknown_extension(tmp_path):
    path = tmp_path / "pts.txt"
    path.write_text("1,2\n")
    msg = error(path)
    assert ".txt" in msg and ".npy" in msg and ".csv" in msg


@pytest.mark.parametrize("shape", [(5, 3), (4,), (2, 2, 2)])
def test_wrong_npy_shape_names_the_shape(tmp_path, shape):
    path = tmp_path / "pts.npy"
    np.save(path, np.zeros(shape))
    assert f"found {list(shape)}" in error(path)


def test_wrong_csv_width_names_the_line(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("x,y\n1,2\n1,2,3\n")
    msg = error(path)
    assert "line 3" in msg and "3 values" in msg and "[N, 2]" in msg


@pytest.mark.parametrize("name,content",
                         [("pts.csv", "x,y\n"), ("pts.csv", ""), ("pts.npy", np.zeros((0, 2)))])
def test_empty(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        np.save(path, content)
    assert "no points" in error(path)


def test_nan_and_inf(tmp_path):
    csv_path = tmp_path / "pts.csv"
    csv_path.write_text("1,2\nnan,3\n4,5\n")
    assert "NaN or Inf" in error(csv_path) and "point 1," in error(csv_path)
    npy_path = tmp_path / "pts.npy"
    np.save(npy_path, np.array([[1.0, 2.0], [3.0, np.inf]]))
    assert "NaN or Inf" in error(npy_path)


def test_unparsable_csv(tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("x,y\n1,2\n3,abc\n")
    msg = error(path)
    assert "line 3" in msg and "abc" in msg
    path.write_bytes(b"\xff\xfe\x00garbage\x80\n")
    assert "CSV" in error(path)


def test_npy_that_is_not_npy(tmp_path):
    path = tmp_path / "pts.npy"
    path.write_text("1,2\n3,4\n")
    assert "not a .npy file" in error(path)
    np.save(path, np.array([["a", "b"]]))
    assert "real numbers" in error(path)


class _Marker:
    """Unpickling this object would create a file: proof that the loader ran pickle."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_npy_object_arrays_are_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    path = tmp_path / "evil.npy"
    np.save(path, np.array([_Marker(str(marker)), 1], dtype=object), allow_pickle=True)
    assert "pickl" in error(path)
    assert not os.path.exists(marker)
