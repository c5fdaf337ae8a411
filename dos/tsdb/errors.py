"""The store's errors, and how they write a series."""

from __future__ import annotations

from dos.errors import DOSError
from dos.telemetry import Labels

__all__ = ["OutOfOrderSampleError", "StoreError", "format_labels", "quote"]


class StoreError(DOSError, ValueError):
    """A series, sample or matcher the store cannot accept."""


class OutOfOrderSampleError(StoreError):
    """A sample is not newer than the newest sample its series already holds."""

    def __init__(self, labels: Labels, newest: float, received: float) -> None:
        super().__init__(
            f"series {format_labels(labels)}: got a sample at t={received!r} but the series "
            f"already holds one at t={newest!r}; samples must arrive in increasing time order "
            f"and a timestamp may not repeat"
        )
        self.labels = labels
        self.newest = newest
        self.received = received


def format_labels(labels: Labels) -> str:
    """Write ``labels`` as PromQL writes a series: ``name{a="b"}``."""
    name = ""
    pairs = []
    for key, value in labels:
        if key == "__name__":
            name = value
        else:
            pairs.append(f"{key}={quote(value)}")
    return f"{name}{{{', '.join(pairs)}}}"


def quote(value: str) -> str:
    """Quote a label value as PromQL does."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
