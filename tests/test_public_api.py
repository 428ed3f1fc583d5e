"""The public surface is explicit, sorted and complete."""

from __future__ import annotations

import importlib
import inspect

import pytest

import qlara


def test_all_is_sorted_and_unique() -> None:
    """__all__ is kept sorted so additions are easy to review."""
    assert qlara.__all__ == sorted(set(qlara.__all__))


@pytest.mark.parametrize("module_name", ["qlara", "qlara.testing", "qlara.webhooks"])
def test_all_names_exist_and_nothing_public_is_missing(module_name: str) -> None:
    """Every name in __all__ exists, and every public name of the module is in __all__."""
    module = importlib.import_module(module_name)
    exported = set(module.__all__)
    for name in exported:
        assert hasattr(module, name), f"{module_name}.{name} is in __all__ but missing"
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public <= exported, f"public but not exported: {sorted(public - exported)}"


def test_errors_form_one_tree() -> None:
    """Every exported exception is a QlaraError; ValidationError is also a ValueError."""
    errors = [getattr(qlara, n) for n in qlara.__all__ if n.endswith("Error")]
    assert errors
    for error in errors:
        assert issubclass(error, qlara.QlaraError)
    assert issubclass(qlara.ValidationError, ValueError)
    assert issubclass(qlara.APITimeoutError, qlara.APIConnectionError)
    assert issubclass(qlara.OutcomeUnknownError, qlara.APIError)
    assert issubclass(qlara.RateLimitError, qlara.APIStatusError)
