"""The stand-in for a model that could not be loaded: the app still starts, and every answer says why."""

from __future__ import annotations

from collections.abc import Iterator

from medqa.core.conversation import ConversationFormat
from medqa.serve.decoding import DecodingSettings
from medqa.serve.errors import BackendUnavailable


class UnavailableBackend:
    """Stands in for a model that could not be loaded: every request reports why, and how to fix it."""

    def __init__(self, message: str, fmt: ConversationFormat | None = None) -> None:
        self.message, self.name, self.fmt = message, "unavailable", fmt or ConversationFormat()

    def generate(self, conversations, settings: DecodingSettings) -> list[str]:
        """Raise BackendUnavailable with the load error."""
        raise BackendUnavailable(self.message)

    def stream(self, conversation, settings: DecodingSettings, stop=None) -> Iterator[str]:
        """Raise BackendUnavailable with the load error."""
        raise BackendUnavailable(self.message)
        yield ""  # a generator, like the real backends
