"""`ganforge data fetch NAME`: what can be fetched, and the errors for what cannot."""

from __future__ import annotations

import pytest

from ganforge.data import fetch
from ganforge.data import mnist as M
from ganforge.registry import UnknownNameError


def test_digits_is_bundled(capsys):
    path = fetch("digits")
    assert path.is_file() and path.name == "digits.csv.gz"
    assert "bundled with scikit-learn" in capsys.readouterr().err


def test_unknown_name_lists_the_fetchable_ones():
    with pytest.raises(UnknownNameError) as info:
        fetch("minst")
    msg = str(info.value)
    assert "did you mean 'mnist'" in msg and "digits, mnist" in msg
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_generated_dataset_has_nothing_to_fetch():
    with pytest.raises(UnknownNameError, match="nothing to fetch.*fetchable: digits, mnist"):
        fetch("grid25")


def test_mnist_goes_through_fetch_mnist(tmp_path, monkeypatch):
    seen = {}

    def fake_fetch_mnist(root, progress=True):
        seen["root"], seen["progress"] = root, progress
        return M.mnist_cache_path(root)

    monkeypatch.setattr("ganforge.data.fetchers.fetch_mnist", fake_fetch_mnist)
    assert fetch("mnist", root=str(tmp_path)) == tmp_path / "mnist" / "mnist.npz"
    assert seen == {"root": str(tmp_path), "progress": True}
