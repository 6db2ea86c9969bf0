"""The stand-in for a model that could not be loaded: the app still starts, and every answer says why."""

from __future__ import annotations

from collections.abc import Iterator

from medqa.core.conversation import ConversationFormat
from medqa.serve.decoding import DecodingSettings
from medqa.serve.errors import BackendUnavailable


class UnavailableBackend:
    """Stands in for a model that could not be loaded: every request reports why, and how to fix it.

    `reason` names the case for a front end that words it itself ("no_model": nothing was configured).
    """

    def __init__(self, message: str, fmt: ConversationFormat | None = None, reason: str = "load_failed") -> None:
        self.message, self.name, self.fmt, self.reason = message, "unavailable", fmt or ConversationFormat(), reason

    def generate(self, conversations, settings: DecodingSettings) -> list[str]:
        """Raise BackendUnavailable with the load error."""
        raise BackendUnavailable(self.message)

    def stream(self, conversation, settings: DecodingSettings, stop=None) -> Iterator[str]:
        """Raise BackendUnavailable with the load error."""
        raise BackendUnavailable(self.message)
        yield ""  # a generator, like the real backends
