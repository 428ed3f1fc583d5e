"""``Slot``: a resource attribute made on first use and kept on its owner.

Shared by the async resources (``child``) and their blocking twins
(``sync_child``). A data descriptor, so ``help()`` lists a resource with the
attributes rather than the methods, and a resource cannot be replaced by mistake.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

__all__ = ["Slot"]

R = TypeVar("R")


class Slot(Generic[R]):
    """A resource of type ``R`` under its owner, made by ``make`` on first access."""

    def __init__(self, resource: type[R]) -> None:
        self.resource = resource
        self.name: str = resource.__name__
        self.__doc__ = resource.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    def make(self, owner: Any) -> R:
        raise NotImplementedError

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> Slot[R]: ...

    @overload
    def __get__(self, owner: object, owner_type: type[Any]) -> R: ...

    def __get__(self, owner: object | None, owner_type: type[Any]) -> Slot[R] | R:
        if owner is None:
            return self
        made: dict[str, Any] = owner.__dict__
        resource: R | None = made.get(self.name)
        if resource is None:
            resource = made[self.name] = self.make(owner)
        return resource

    def __set__(self, owner: object, value: object) -> None:
        raise AttributeError(f"{self.name} is a resource of the client and cannot be replaced")
