"""Credentials, kept out of every repr."""

from __future__ import annotations

import base64

import attrs


@attrs.frozen(repr=False)
class BasicAuth:
    """The dashboard's "HTTP credentials", sent as ``Authorization: Basic``.

    Use it instead of an API key where an account only has a username and a
    password. Neither appears in ``repr``.
    """

    username: str
    password: str

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password='***')"

    def header(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


class Secret:
    """A string that refuses to show itself, so a key cannot leak through a repr or a log."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__
