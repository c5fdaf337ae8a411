"""The error NAB scoring raises for data it cannot score."""

from __future__ import annotations

from dos.errors import DOSError

__all__ = ["NABError"]


class NABError(DOSError, ValueError):
    """A NAB corpus, label file or result file is malformed; the message names the file."""
