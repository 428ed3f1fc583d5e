"""The sync facade's building blocks: twins declared beside each async method.

``send = blocking(AsyncSms.send)`` and ``list = blocking_iter(AsyncContacts.list)``
keep the async method's signature and docstring (for mypy, pyright and
``help()``) and run it on the owner's portal; ``lists = sync_child(ContactLists)``
mirrors a child resource. Nothing here knows any resource: a sync resource is
a class of such declarations, and finds its async twin by attribute names
from the client down.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

from anyio.from_thread import BlockingPortal

from qlara._pagination import AsyncPager, Page, _Walk
from qlara._slot import Slot

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Pager", "SyncResource", "blocking", "blocking_iter", "sync_child"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
S = TypeVar("S", bound="SyncResource")


class PortalLike(Protocol):
    """What a sync object needs of the client's loop thread (``qlara._portal.Portal``)."""

    def client(self) -> tuple[BlockingPortal, Any]: ...

    def call(
        self, function: Callable[..., Coroutine[Any, Any, R]], /, *args: Any, **kwargs: Any
    ) -> R: ...


class Blocking:
    """Base of the sync objects: knows its portal and how to find its async twin."""

    _portal: PortalLike

    def _async_target(self, client: Any) -> Any:
        raise NotImplementedError


def _sync_name(owner_type: type[Any], name: str) -> str:
    return f"{owner_type.__name__}.{name}()"


def _renamed_type_error(exc: TypeError, async_name: str, sync_name: str) -> TypeError:
    """The async method's argument error, naming the sync method the caller used."""
    return TypeError(str(exc).replace(async_name, sync_name))


class _Twin:
    """What both kinds of twin keep of their async method: name, docs, signatures."""

    def __init__(self, method: Callable[..., Any], bound_return: object = None) -> None:
        self.method = method
        self.name: str = method.__name__
        self.__name__: str = method.__name__
        self.__qualname__: str = method.__name__
        self.__doc__ = method.__doc__
        self.__wrapped__ = method
        # Bound, the twin has no ``self``, like any bound method.
        signature = inspect.signature(method)
        bound = signature.replace(parameters=list(signature.parameters.values())[1:])
        if bound_return is not None:  # help() on the sync class shows what it returns
            bound = bound.replace(return_annotation=bound_return)
            signature = signature.replace(return_annotation=bound_return)
        self.bound_signature: inspect.Signature = bound
        self.__signature__ = signature


class blocking(_Twin, Generic[P, R]):  # noqa: N801 - used like a decorator, named like one
    """Declare a sync twin of an async method: ``send = blocking(AsyncSms.send)``.

    The twin keeps the async method's signature and docstring (for mypy,
    pyright and ``help()``) and runs it on the owner's portal.
    """

    def __init__(self, method: Callable[Concatenate[Any, P], Awaitable[R]]) -> None:
        super().__init__(method)
        self.method = method

    def __call__(self, owner: Blocking, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Called on the class, like an unbound method: ``Sms.send(client.sms, ...)``."""
        return self.__get__(owner, type(owner))(*args, **kwargs)

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> Self: ...

    @overload
    def __get__(self, owner: Blocking, owner_type: type[Any]) -> Callable[P, R]: ...

    def __get__(self, owner: Blocking | None, owner_type: type[Any]) -> Self | Callable[P, R]:
        if owner is None:
            return self
        name = self.name
        method = self.method

        async def run(*args: Any, **kwargs: Any) -> R:
            target = owner._async_target(owner._portal.client()[1])
            try:
                coroutine = getattr(target, name)(*args, **kwargs)
            except TypeError as exc:  # the arguments did not fit: name the method called
                raise _renamed_type_error(
                    exc, f"{method.__qualname__}()", _sync_name(owner_type, name)
                ) from None
            result: R = await coroutine
            return result

        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return owner._portal.call(run, *args, **kwargs)

        # Made on every access, so only cheap attribute copies here (no functools.wraps).
        call.__name__ = call.__qualname__ = name
        call.__doc__ = self.__doc__
        call.__wrapped__ = method  # type: ignore[attr-defined]
        call.__signature__ = self.bound_signature  # type: ignore[attr-defined]
        return call


class Pager(Iterator[T]):
    """Every item of a listing, a page at a time: a plain iterator (the sync ``AsyncPager``).

    ``for item in pager`` walks all pages lazily: a page is fetched (on the
    client's loop) only once the items before it have been read, so a
    ``break`` fetches nothing further, and a pager dropped unclosed leaves
    nothing running. ``close()`` ends the walk. An error from a later page is
    raised where it is reached; iterating again retries that page.
    ``pager.first_page()`` gives just the first ``Page``, whatever the
    iteration has done.
    """

    def __init__(self, portal: PortalLike, pager: AsyncPager[T], owner: object) -> None:
        self._portal = portal
        self._pager = pager
        self._owner = owner  # keeps the client (and its loop thread) alive
        self._walk: _Walk[T] | None = None
        self._ready: list[T] = []  # the fetched page's unread items, last first
        self._closed = False

    def __next__(self) -> T:
        ready = self._ready
        if not ready:
            if self._closed:
                raise StopIteration
            walk = self._walk
            if walk is None:
                walk = self._walk = self._pager._walk()
            ready.extend(reversed(self._portal.call(_next_items, walk)))
            if not ready:
                self._closed = True
                raise StopIteration
        return ready.pop()

    def __iter__(self) -> Pager[T]:
        return self

    def close(self) -> None:
        """Stop early: nothing further is fetched. Idempotent."""
        self._closed = True
        self._ready.clear()
        self._walk = None

    def first_page(self) -> Page[T]:
        """The first page only (one request)."""
        return self._portal.call(self._pager.first_page)

    def page(self, number: int) -> Page[T]:
        """Page ``number`` (0-based) only (one request)."""
        return self._portal.call(self._pager.page, number)

    def to_list(self) -> list[T]:
        """Every item, in one list (for small listings: it holds them all in memory)."""
        return list(self)


async def _next_items(walk: _Walk[T]) -> list[T]:
    """The next item and the rest of its page already fetched; ``[]`` at the end."""
    try:
        first = await walk.__anext__()
    except StopAsyncIteration:
        return []
    return [first, *walk.take_fetched()]


class blocking_iter(_Twin, Generic[P, T]):  # noqa: N801 - used like a decorator, named like one
    """Declare the sync twin of a listing: ``list = blocking_iter(AsyncContacts.list)``.

    The twin takes the same arguments (checked at the call, in the caller's
    thread) and returns a ``Pager`` instead of an ``AsyncPager``.
    """

    def __init__(self, method: Callable[Concatenate[Any, P], AsyncPager[T]]) -> None:
        annotation = inspect.signature(method).return_annotation
        super().__init__(method, f"Pager[{_item_annotation(annotation)}]")
        self.method = method

    def __call__(self, owner: Blocking, /, *args: P.args, **kwargs: P.kwargs) -> Pager[T]:
        return self.__get__(owner, type(owner))(*args, **kwargs)

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> Self: ...

    @overload
    def __get__(self, owner: Blocking, owner_type: type[Any]) -> Callable[P, Pager[T]]: ...

    def __get__(
        self, owner: Blocking | None, owner_type: type[Any]
    ) -> Self | Callable[P, Pager[T]]:
        if owner is None:
            return self
        name = self.name
        method = self.method

        def call(*args: P.args, **kwargs: P.kwargs) -> Pager[T]:
            _, client = owner._portal.client()
            try:
                pager = getattr(owner._async_target(client), name)(*args, **kwargs)
            except TypeError as exc:
                raise _renamed_type_error(
                    exc, f"{method.__qualname__}()", _sync_name(owner_type, name)
                ) from None
            return Pager(owner._portal, pager, owner)

        call.__name__ = call.__qualname__ = name
        call.__doc__ = self.__doc__
        call.__wrapped__ = method  # type: ignore[attr-defined]
        call.__signature__ = self.bound_signature  # type: ignore[attr-defined]
        return call


def _item_annotation(annotation: object) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "Any")
    if text.startswith("AsyncPager[") and text.endswith("]"):
        return text[len("AsyncPager[") : -1]
    return "Any"


class SyncResource(Blocking):
    """Base of the blocking resources: finds its async twin by name on its parent's."""

    def __init__(self, parent: Blocking, attribute: str) -> None:
        self._parent = parent
        self._attribute = attribute
        self._portal = parent._portal

    def _async_target(self, client: Any) -> Any:
        return getattr(self._parent._async_target(client), self._attribute)

    def __repr__(self) -> str:
        return f"<blocking {self._attribute} resource>"


class sync_child(Slot[S]):  # noqa: N801 - used like a decorator, named like one
    """The blocking twin of ``child(...)``: ``lists = sync_child(ContactLists)``."""

    def make(self, owner: Any) -> S:
        return self.resource(owner, self.name)
