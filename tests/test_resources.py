"""The resource layer: every resource of both clients, nested ones too, has its twin."""

from __future__ import annotations

import inspect
import pydoc
from typing import Any

import pytest

import qlara
from qlara._blocking import blocking, blocking_iter, sync_child
from qlara._resources._base import child


def _children(cls: type[Any], kind: type[Any]) -> dict[str, type[Any]]:
    return {
        name: value.resource
        for name, value in vars(cls).items()
        if isinstance(value, kind) and not name.startswith("_")
    }


def _walk() -> list[tuple[str, type[Any], type[Any]]]:
    """(dotted name, async class, sync class) for the clients and every resource under them."""
    found = [("client", qlara.AsyncQlara, qlara.Qlara)]
    pending = [("client", qlara.AsyncQlara, qlara.Qlara)]
    while pending:
        name, async_type, sync_type = pending.pop()
        async_children = _children(async_type, child)
        sync_children = _children(sync_type, sync_child)
        assert set(async_children) == set(sync_children), name
        for attribute, resource in async_children.items():
            entry = (f"{name}.{attribute}", resource, sync_children[attribute])
            found.append(entry)
            pending.append(entry)
    return found


def _is_listing(member: Any) -> bool:
    annotation = inspect.signature(member).return_annotation
    return isinstance(annotation, str) and annotation.startswith("AsyncPager[")


def _public_methods(cls: type[Any]) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and (inspect.iscoroutinefunction(member) or _is_listing(member))
    }


RESOURCES = _walk()


def test_the_walk_reaches_nested_resources() -> None:
    """The walk finds the top-level resources (and would find nested ones the same way)."""
    names = {name for name, _, _ in RESOURCES}
    assert {"client.sms", "client.messages", "client.webhooks"} <= names


@pytest.mark.parametrize(("name", "async_type", "sync_type"), RESOURCES, ids=str)
def test_every_async_method_has_a_sync_twin(
    name: str, async_type: type[Any], sync_type: type[Any]
) -> None:
    """Each coroutine method has a blocking twin, each listing a pager twin, same parameters."""
    renamed = {"aclose": "close"}
    for method_name, method in _public_methods(async_type).items():
        twin = vars(sync_type).get(renamed.get(method_name, method_name))
        assert twin is not None, f"{name}.{method_name} has no sync twin"
        if method_name in renamed:
            continue
        expected = blocking_iter if _is_listing(method) else blocking
        assert isinstance(twin, expected), f"{name}.{method_name} is not declared as a twin"
        assert twin.method is method, f"{name}.{method_name} twins another method"
        assert list(inspect.signature(twin).parameters.values()) == list(
            inspect.signature(method).parameters.values()
        ), f"{name}.{method_name}"
        assert twin.__doc__ == method.__doc__


def test_help_shows_sync_methods_as_methods() -> None:
    """help(qlara.Qlara) documents the twins as methods with their parameters."""
    text = pydoc.render_doc(qlara.Qlara, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    assert "<qlara." not in text
    assert "send(self, message" in text
    assert "request(self, method" in text


def test_listing_twins_return_a_pager() -> None:
    """A listing's bound sync twin is documented as returning a Pager."""
    client = qlara.Qlara("k", base_url="http://127.0.0.1:9/api")
    try:
        signature = inspect.signature(client.messages.history)
        assert str(signature.return_annotation).startswith("Pager[")
        assert "self" not in signature.parameters
    finally:
        client.close()
    unbound = inspect.signature(qlara.Qlara.messages.resource.history)  # what help() shows
    assert str(unbound.return_annotation).startswith("Pager[")
    plain = pydoc.plaintext  # type: ignore[attr-defined]
    assert "AsyncPager" not in pydoc.render_doc(qlara.Qlara.contacts.resource, renderer=plain)


async def test_resources_cannot_be_replaced() -> None:
    """A resource attribute is part of the client, not a slot to overwrite by mistake."""
    async with qlara.AsyncQlara("k", base_url="http://127.0.0.1:9/api") as client:
        with pytest.raises(AttributeError):
            client.sms = None
        assert client.sms is client.sms
        assert client.with_options(max_retries=0).sms is not client.sms
