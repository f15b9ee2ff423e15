import pytest

from ganforge.registry import Registry, UnknownNameError


def test_unknown_name_lists_choices_and_suggests():
    reg = Registry("loss")
    reg.add("hinge", 1)
    reg.add("lsgan", 2)
    with pytest.raises(KeyError) as err:
        reg.get("hinj")
    msg = str(err.value)
    assert "unknown loss 'hinj'" in msg and "did you mean 'hinge'" in msg and "hinge, lsgan" in msg
    assert isinstance(err.value, UnknownNameError) and isinstance(err.value, ValueError)


def test_double_registration_is_an_error():
    reg = Registry("model")
    reg.add("mlp", 1)
    with pytest.raises(ValueError, match="twice"):
        reg.add("mlp", 2)


def test_registry_lists_in_order():
    reg = Registry("x")
    for name in ("b", "a", "c"):
        reg.add(name, name)
    assert reg.names() == ["b", "a", "c"] and "a" in reg and len(reg) == 3
