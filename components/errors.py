"""The one error a user sees for a bad configuration value."""
from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A configuration value was refused.

    The message names the key path, the value and what is allowed, so the user can fix it
    without reading code.
    """

    def __init__(self, path: str, value: Any, allowed: str) -> None:
        self.path = path
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid config {path} = {_show(value)}: {allowed}")


def _show(value: Any) -> str:
    if isinstance(value, Secret):
        return "[secret]"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Secret:
    """A plaintext secret on its way into a Pulumi secret; never shown in repr or errors."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "Secret([secret])"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("Secret", self.value))
