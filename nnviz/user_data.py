"""Your own data for the playground: points clicked onto the plane or uploaded as a CSV file.

A :class:`UserData` is an immutable set of 2-D points, each with a class label (classification) or a
real target (regression). Every change returns a new object and every failure raises a
:class:`UserDataError` with one message written for the person: nothing is ever half-applied, so the
page keeps the previous data whenever a call raises.

**CSV files.** A header line, then one point per line::

    x1,x2,label          or          x1,x2,y
    0.5,-1.25,0                      0.5,-1.25,0.73
    2,3.5,1                          2,3.5,-0.1

Column names are read case- and whitespace-insensitively, in any order; a ``label`` column makes a
classification (whole numbers ``0 .. K-1``, every class used, K from :data:`MIN_CLASSES` to
:data:`MAX_CLASSES`), a ``y`` column a regression. Commas separate the values (semicolons or tabs too,
when the header uses them). The file is UTF-8, with or without a byte-order mark; numbers are written
with the digits 0-9 and a point (``-0.5``, ``2e-3``), as :func:`nnviz.inputs.parse_number` reads them.

**Bounds, and why** (each refused with its own message):

* :data:`MAX_CSV_BYTES` (1 MB) per file and :data:`MAX_POINTS` (2,000) points: the limit of the toys
  (:data:`nnviz.toys.MAX_SAMPLES`), because every live frame draws every point; 2,000 points take about
  60 kB even with long decimals, so the byte cap only stops files that cannot be point lists, before
  any parsing;
* coordinates within ±:data:`COORDINATE_LIMIT` and regression targets within ±:data:`TARGET_LIMIT`:
  beyond that x₁² alone passes 10⁶ and no learning rate suits the network. Points are kept as they are;
  :meth:`UserData.fit_into` moves and scales them, on request, into the toys' square
  ``[-TOY_EXTENT, TOY_EXTENT]²`` (the page offers it when they lie outside);
* at least :data:`MIN_SPLIT_POINTS` points in each of the training and test splits.

>>> data = UserData.empty().add(1.0, 2.0, 0).add(-1.0, 0.5, 1)
>>> data.to_csv()
b'x1,x2,label\\n1.0,2.0,0\\n-1.0,0.5,1\\n'
>>> len(UserData.from_csv(data.to_csv()).remove_near(1.1, 2.0, radius=0.5))
1
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

import numpy as np

from nnviz.dataset import TASKS, DataError, Dataset, from_arrays
from nnviz.inputs import Bound, InputError, excerpt, parse_number, parse_whole_numbers
from nnviz.toys import MAX_CLASSES, MAX_SAMPLES, TOY_EXTENT

MAX_CSV_BYTES = 1_000_000
"""Largest CSV file read (1 MB): far more than :data:`MAX_POINTS` points need, checked before any parsing."""
MAX_POINTS = MAX_SAMPLES
"""Most points in one's own data, as in the toys: every live frame draws each one."""
COORDINATE_LIMIT = 1_000.0
"""Largest |x₁| and |x₂| accepted; :meth:`UserData.fit_into` brings wider data into the toys' square."""
TARGET_LIMIT = 1_000.0
"""Largest |y| of a regression target (the toys' targets lie in about [-1.2, 1.2])."""
MIN_CLASSES = 2
"""Fewest classes of a classification: one class has nothing to separate."""
MIN_SPLIT_POINTS = 2
"""Fewest points in each split: a loss or accuracy of one point says little."""
COLUMNS = {"classification": ("x1", "x2", "label"), "regression": ("x1", "x2", "y")}
"""The CSV columns of each task, in the order they are written."""
PYTHON_DECIMALS = 6
"""Decimals kept by :meth:`UserData.to_python` (below float32's resolution at the toys' scale)."""

_COORDINATES = Bound(-COORDINATE_LIMIT, COORDINATE_LIMIT, "divide larger coordinates before uploading")
_TARGETS = Bound(-TARGET_LIMIT, TARGET_LIMIT, "larger targets make the squared error explode")
_LABELS = Bound(0, MAX_CLASSES - 1, f"classes are counted from 0, at most {MAX_CLASSES}; for labels ±1 write 0 for -1")
_ONE = Bound(1, 1, "one value per cell")
_DELIMITERS = (",", ";", "\t")


class UserDataError(DataError):
    """One's own data could not be changed or read; the message says what and where, for the person."""


@dataclass(frozen=True, eq=False)  # arrays have no single truth value
class UserData:
    """Points with a class label or a target each, validated on construction (see the module docstring).

    Attributes:
        points: ``(n, 2)`` float64 coordinates (x₁, x₂), read-only.
        targets: ``(n,)`` int64 labels ``0 .. n_classes - 1`` (classification) or float64 targets (regression).
        task: ``"classification"`` or ``"regression"``.
        n_classes: number of classes (:data:`MIN_CLASSES` to :data:`MAX_CLASSES`; a class may have no point
            yet); 0 for regression.
    """

    points: np.ndarray
    targets: np.ndarray
    task: str = "classification"
    n_classes: int = 2

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise UserDataError(f"The task is {' or '.join(TASKS)}, not {self.task!r}.")
        regression = self.task == "regression"
        points = np.array(self.points, dtype=np.float64).reshape(-1, 2)
        targets = np.array(self.targets, dtype=np.float64 if regression else np.int64).reshape(-1)
        if len(targets) != len(points):
            raise UserDataError(f"{len(points):,} points but {len(targets):,} labels or targets.")
        if len(points) > MAX_POINTS:
            raise UserDataError(f"At most {MAX_POINTS:,} points (each is drawn on every live frame).")
        if not (np.isfinite(points).all() and np.abs(points).max(initial=0.0) <= COORDINATE_LIMIT):
            raise UserDataError(f"Coordinates must be finite and within ±{COORDINATE_LIMIT:,.0f}.")
        if regression:
            if self.n_classes != 0:
                raise UserDataError("Regression data has no classes (n_classes 0).")
            if not (np.isfinite(targets).all() and np.abs(targets).max(initial=0.0) <= TARGET_LIMIT):
                raise UserDataError(f"Targets must be finite and within ±{TARGET_LIMIT:,.0f}.")
        else:
            if not MIN_CLASSES <= self.n_classes <= MAX_CLASSES:
                raise UserDataError(f"Between {MIN_CLASSES} and {MAX_CLASSES} classes, not {self.n_classes}.")
            if len(targets) and not (targets.min() >= 0 and targets.max() < self.n_classes):
                raise UserDataError(f"Labels must be classes 0 to {self.n_classes - 1}.")
        points.setflags(write=False)
        targets.setflags(write=False)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "targets", targets)

    # --- making and changing ----------------------------------------------------------------------------------------

    @classmethod
    def empty(cls, task: str = "classification", n_classes: int = 2) -> UserData:
        """No points yet (``n_classes`` is ignored for regression)."""
        return cls(np.zeros((0, 2)), np.zeros(0), task, 0 if task == "regression" else n_classes)

    @classmethod
    def from_dataset(cls, data: Dataset) -> UserData:
        """Both splits of a 2-D :class:`~nnviz.dataset.Dataset` (a toy), training points first, to edit them."""
        if data.n_features != 2:
            raise UserDataError(f"Only 2-D points can be edited here; {data.name!r} has {data.n_features} features.")
        points = np.concatenate([data.x_train.numpy(), data.x_test.numpy()]).astype(np.float64)
        targets = np.concatenate([data.y_train.numpy(), data.y_test.numpy()])
        return cls(points, targets, data.task, data.n_classes)

    def __len__(self) -> int:
        return len(self.points)

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    def add(self, x1: float, x2: float, value: float) -> UserData:
        """These points and one more at (x1, x2) with class label (or target) ``value``."""
        if len(self) >= MAX_POINTS:
            raise UserDataError(f"There are already {MAX_POINTS:,} points, the most here; remove some first.")
        if not self.is_regression and (value != int(value) or not 0 <= value < self.n_classes):
            raise UserDataError(f"Choose a class from 0 to {self.n_classes - 1}, not {value}.")
        return self._with(np.vstack([self.points, [[x1, x2]]]), np.append(self.targets, value))

    def nearest(self, x1: float, x2: float, radius: float) -> int | None:
        """Index of the point nearest to (x1, x2) if it lies within ``radius`` (same units as x), else None."""
        if not len(self):
            return None
        distance = np.hypot(self.points[:, 0] - x1, self.points[:, 1] - x2)
        index = int(distance.argmin())
        return index if distance[index] <= radius else None

    def remove_near(self, x1: float, x2: float, radius: float) -> UserData:
        """These points without the one nearest to (x1, x2) within ``radius``; unchanged when none is that close."""
        index = self.nearest(x1, x2, radius)
        if index is None:
            return self
        keep = np.arange(len(self)) != index
        return self._with(self.points[keep], self.targets[keep])

    def with_n_classes(self, n_classes: int) -> UserData:
        """The same points, with ``n_classes`` classes to choose from (no point may use a class that goes)."""
        if self.is_regression:
            raise UserDataError("Regression data has no classes.")
        if len(self) and self.targets.max() >= n_classes:
            raise UserDataError(
                f"Points of class {int(self.targets.max())} exist; remove them before going to {n_classes} classes."
            )
        return UserData(self.points, self.targets, self.task, n_classes)

    def class_counts(self) -> np.ndarray:
        """``(n_classes,)`` number of points of each class."""
        if self.is_regression:
            raise UserDataError("Regression data has no classes.")
        return np.bincount(self.targets, minlength=self.n_classes)

    def extent(self, minimum: float = TOY_EXTENT) -> float:
        """Half-width ``e`` of the square ``[-e, e]²`` holding every point with a 5 % margin, at least ``minimum``."""
        return max(minimum, 1.05 * float(np.abs(self.points).max(initial=0.0)))

    def fit_into(self, extent: float = TOY_EXTENT) -> tuple[UserData, str]:
        """The points moved and scaled (the same factor on both axes, shapes kept) into ``[-extent, extent]²``.

        Returns the new data and a sentence saying what was done; ``(self, "")`` when every point is already inside.
        """
        if not len(self) or np.abs(self.points).max() <= extent:
            return self, ""
        low, high = self.points.min(axis=0), self.points.max(axis=0)
        centre = (low + high) / 2
        half_span = float(np.abs(self.points - centre).max())
        scale = 0.95 * extent / half_span if half_span > 0 else 1.0
        moved = (self.points - centre) * scale
        return self._with(moved, self.targets), (
            f"The points spanned x₁ from {low[0]:.4g} to {high[0]:.4g} and x₂ from {low[1]:.4g} to {high[1]:.4g}; "
            f"they were centred and scaled by {scale:.3g} into the square [-{extent:g}, {extent:g}]²."
        )

    def _with(self, points: np.ndarray, targets: np.ndarray) -> UserData:
        return UserData(points, targets, self.task, self.n_classes)

    # --- training data --------------------------------------------------------------------------------------------

    def split(self, train_fraction: float = 0.5, seed: int = 0, name: str = "your data") -> Dataset:
        """The points shuffled from ``seed`` and split into a training and a test set, as a :class:`Dataset`.

        Each split needs at least :data:`MIN_SPLIT_POINTS` points.
        """
        if not 0.0 < train_fraction < 1.0:
            raise UserDataError(f"The training share must lie between 0 and 1, not {train_fraction}.")
        n = len(self)
        n_train = round(n * train_fraction)
        if min(n_train, n - n_train) < MIN_SPLIT_POINTS:
            raise UserDataError(
                f"{n:,} point{'s' if n != 1 else ''} cannot be split {train_fraction:.0%} / {1 - train_fraction:.0%} "
                f"into training and test with at least {MIN_SPLIT_POINTS} points in each; add points "
                "or change the split."
            )
        order = np.random.default_rng(seed).permutation(n)
        train, test = order[:n_train], order[n_train:]
        return from_arrays(
            name,
            self.points[train],
            self.targets[train],
            self.points[test],
            self.targets[test],
            class_names=tuple(f"class {c}" for c in range(self.n_classes)),
            source=f"{n:,} points of one's own, train_fraction={train_fraction}, seed={seed}",
            task=self.task,
        )

    # --- CSV and Python ---------------------------------------------------------------------------------------------

    def to_csv(self) -> bytes:
        """The points as UTF-8 CSV with the header of :data:`COLUMNS`; :meth:`from_csv` reads it back exactly."""
        rows = [",".join(COLUMNS[self.task])]
        rows += [
            f"{x1!r},{x2!r},{t!r}"
            for x1, x2, t in zip(
                self.points[:, 0].tolist(), self.points[:, 1].tolist(), self.targets.tolist(), strict=True
            )
        ]
        return ("\n".join(rows) + "\n").encode()

    def to_python(self, name: str = "DATA") -> str:
        """The points as a Python literal for a generated script: ``NAME = [(x1, x2, label), ...]``.

        Coordinates and targets are rounded to :data:`PYTHON_DECIMALS` decimals, so the text stays under
        about 40 characters a point (at most :data:`MAX_POINTS` points).
        """
        if not name.isidentifier():
            raise UserDataError(f"{name!r} is not a Python name.")
        rows = "".join(
            f"    ({_short(x1)}, {_short(x2)}, {t if isinstance(t, int) else _short(t)}),\n"
            for x1, x2, t in zip(
                self.points[:, 0].tolist(), self.points[:, 1].tolist(), self.targets.tolist(), strict=True
            )
        )
        header = ", ".join(COLUMNS[self.task])
        return f"# {header}: {len(self):,} points\n{name} = [\n{rows}]\n"

    @classmethod
    def from_csv(cls, data: bytes) -> UserData:
        """Read a CSV file's bytes (see the module docstring); every problem raises a :class:`UserDataError`."""
        text = _text(data)
        rows = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
        header = next((row for row in rows if _filled(row)), None)
        if header is None:
            raise UserDataError("The file holds only blank lines; it needs a header such as x1,x2,label.")
        task, columns = _columns(header)
        order = [columns.index(name) for name in COLUMNS[task]]
        values: list[tuple[float, float, float]] = []
        for row in rows:
            if not _filled(row):
                continue
            line = rows.line_num
            if len(values) == MAX_POINTS:
                raise UserDataError(
                    f"The file has more than {MAX_POINTS:,} points (line {line:,} holds point {MAX_POINTS + 1:,}); "
                    f"at most {MAX_POINTS:,} are used here, as in the toys, since every live frame draws each one."
                )
            if len(row) != len(columns):
                raise UserDataError(
                    f"Line {line:,} has {len(row)} value{'s' if len(row) != 1 else ''} "
                    f"({excerpt(','.join(row))}); the header has {len(columns)} columns."
                )
            values.append(tuple(_cell(row[i], line, name, task) for i, name in zip(order, COLUMNS[task], strict=True)))
        if not values:
            raise UserDataError("The file has a header but no points below it.")
        table = np.array(values)
        if task == "regression":
            return cls(table[:, :2], table[:, 2], task, 0)
        return cls(table[:, :2], table[:, 2], task, _n_classes(table[:, 2].astype(np.int64)))


def _short(value: float) -> str:
    """``value`` rounded to :data:`PYTHON_DECIMALS` decimals, in its shortest spelling (``-0.0`` as ``0.0``)."""
    return repr(round(value, PYTHON_DECIMALS) + 0.0)


def _text(data: bytes) -> str:
    """The file as text: UTF-8 (a byte-order mark dropped), or a message saying what else it is."""
    if len(data) > MAX_CSV_BYTES:
        raise UserDataError(
            f"The file has {len(data):,} bytes; at most {MAX_CSV_BYTES:,} (1 MB) are read, "
            f"and {MAX_POINTS:,} points fit in far less."
        )
    if not data.strip():
        raise UserDataError("The file is empty; it needs a header such as x1,x2,label and one point per line.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UserDataError("The file is UTF-16 text; save it as “CSV UTF-8” (comma delimited) and upload it again.")
    if data.startswith(b"PK\x03\x04"):
        raise UserDataError("The file is a zip archive (an Excel workbook?), not CSV text; save it as “CSV UTF-8”.")
    if b"\x00" in data:
        raise UserDataError(
            "The file contains NUL bytes, so it is not CSV text (a binary file, or UTF-16 without a byte-order mark); "
            "save it as “CSV UTF-8”."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UserDataError(
            f"The file is not UTF-8 text: byte 0x{data[error.start]:02X} on line {line:,} cannot be read; "
            "save it as “CSV UTF-8”."
        ) from None


def _delimiter(text: str) -> str:
    """The first of comma, semicolon and tab that the header line uses (comma when it uses none)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return next((d for d in _DELIMITERS if d in header), ",")


def _filled(row: list[str]) -> bool:
    """Whether a CSV row holds anything but blanks."""
    return any(cell.strip() for cell in row)


def _columns(header: list[str]) -> tuple[str, list[str]]:
    """The task the header describes and its column names (normalised), or why it describes none."""
    names = [cell.strip().lower() for cell in header]
    expected = "x1,x2,label (classification) or x1,x2,y (regression)"
    if all(_is_number(name) for name in names if name):
        raise UserDataError(
            f"The first line must name the columns, {expected}; it holds numbers ({excerpt(','.join(header))}). "
            "Add the header line above the points."
        )
    if "" in names:
        raise UserDataError(
            f"The header has an empty column name ({excerpt(','.join(header))}); name the columns {expected}."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UserDataError(f"The column {repeated[0]} appears twice in the header; name the columns {expected}.")
    if "label" in names and "y" in names:
        raise UserDataError("The header has both label (classification) and y (regression); keep one of them.")
    task = "regression" if "y" in names else "classification"
    missing = [name for name in COLUMNS[task] if name not in names]
    extra = [name for name in names if name not in COLUMNS[task]]
    if missing or extra:
        found = ", ".join(excerpt(cell) for cell in header)
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(excerpt(name) for name in extra)}"] if extra else []
        )
        raise UserDataError(f"The header's columns are {found}: {'; '.join(problems)}. Name the columns {expected}.")
    return task, names


def _is_number(text: str) -> bool:
    try:
        parse_number(text, what="header", values=Bound(-np.inf, np.inf, "any number"))
    except InputError:
        return False
    return True


def _cell(text: str, line: int, column: str, task: str) -> float:
    """One value of the file, checked against its column's bounds; the message names the line and column."""
    what = f"line {line:,}, column {column}"
    if not text.strip():
        raise UserDataError(f"Line {line:,}, column {column} is empty; every point needs {', '.join(COLUMNS[task])}.")
    if "," in text:
        raise UserDataError(
            f"Line {line:,}, column {column}: {excerpt(text)} has a comma; write numbers with a point, like 1.5."
        )
    values = _LABELS if column == "label" else _TARGETS if column == "y" else _COORDINATES
    quick = _plain_number(text, values)
    if quick is not None and (column != "label" or quick.is_integer()):
        return quick
    try:
        if column == "label":
            (label,) = parse_whole_numbers(text, what=what, values=_LABELS, count=_ONE, example="0")
            return float(label)
        return parse_number(text, what=what, values=values)
    except InputError as error:
        raise UserDataError(str(error)) from None


_PLAIN = frozenset("0123456789+-.eE")


def _plain_number(text: str, values: Bound) -> float | None:
    """A fast path for the common cell: a nonzero ASCII number inside ``values`` that :func:`parse_number` would
    read the same way; None for anything else, which then goes through :func:`parse_number` and its messages.

    (Python's ``float`` alone would also take ``nan``, ``1_000`` and non-ASCII digits, hence the character check.)
    """
    token = text.strip()
    if not _PLAIN.issuperset(token):
        return None
    try:
        number = float(token)
    except ValueError:
        return None
    return number if number != 0 and number in values else None


def _n_classes(labels: np.ndarray) -> int:
    """K for labels that use every class 0 .. K-1, with K from :data:`MIN_CLASSES` to :data:`MAX_CLASSES`."""
    n_classes = int(labels.max()) + 1
    if n_classes < MIN_CLASSES:
        raise UserDataError("Every point has label 0; a classification needs at least two classes (labels 0 and 1).")
    unused = sorted(set(range(n_classes)) - set(labels.tolist()))
    if unused:
        raise UserDataError(
            f"No point has label {unused[0]}, though labels go up to {n_classes - 1}; "
            f"labels must be 0 to K-1 with every class used."
        )
    return n_classes
