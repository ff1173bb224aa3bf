"""Conversion paths in columns: what every attribution model reads (ATT-1).

A million paths do not fit in Python objects at speed; they fit in a few numpy arrays.
Path `p` owns touchpoints `starts[p]:starts[p + 1]`, oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def floats(values: npt.ArrayLike) -> Floats:
    """As float64 (numpy's results are typed loosely; the models' are not)."""
    return np.asarray(values, dtype=np.float64)


def ints(values: npt.ArrayLike) -> Ints:
    return np.asarray(values, dtype=np.int64)


@dataclass(frozen=True)
class Paths:
    #: Key id of each touchpoint (channel, campaign or content item), 0..len(labels)-1.
    keys: Ints
    #: Days from each touchpoint to the end of its path (the conversion, or the run's end).
    days_before: Floats
    #: Path boundaries: len(paths) + 1 offsets into `keys`.
    starts: Ints
    #: Whether each path ends in a conversion.
    converted: Bools
    #: Each path's conversion value in cents (0 when it did not convert).
    values: Ints
    labels: Sequence[str]

    def __len__(self) -> int:
        return len(self.starts) - 1

    @property
    def lengths(self) -> Ints:
        return np.diff(self.starts)

    @property
    def path_of(self) -> Ints:
        """The path index of each touchpoint."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)

    @property
    def position(self) -> Ints:
        """Each touchpoint's index within its path."""
        return np.arange(len(self.keys), dtype=np.int64) - np.repeat(self.starts[:-1], self.lengths)

    def only(self, keep: Bools) -> Paths:
        """The paths where `keep` is true."""
        lengths = self.lengths[keep]
        touch_keep = np.repeat(keep, self.lengths)
        return Paths(
            keys=self.keys[touch_keep],
            days_before=self.days_before[touch_keep],
            starts=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
            converted=self.converted[keep],
            values=self.values[keep],
            labels=self.labels,
        )


def from_lists(
    paths: Sequence[Sequence[str]],
    converted: Sequence[bool],
    values: Sequence[int] | None = None,
    days_before: Sequence[Sequence[float]] | None = None,
) -> Paths:
    """Small paths written out by hand (tests, examples): channel names per path."""
    labels = sorted({key for path in paths for key in path})
    index = {label: i for i, label in enumerate(labels)}
    flat = [index[key] for path in paths for key in path]
    days = (
        [d for path in days_before for d in path]
        if days_before is not None
        else [float(len(path) - i) for path in paths for i in range(len(path))]
    )
    lengths = [len(path) for path in paths]
    return Paths(
        keys=np.array(flat, dtype=np.int64),
        days_before=np.array(days, dtype=np.float64),
        starts=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        converted=np.array(converted, dtype=np.bool_),
        values=np.array(values if values is not None else [0] * len(paths), dtype=np.int64),
        labels=labels,
    )
