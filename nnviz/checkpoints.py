"""A trained model as bytes or a file (a download button, ``--save``) and back — safely: the one home of checkpoints.

The bytes are a ``torch.save`` zip archive of ``{"format", "spec", "state_dict"}`` and, for a network fed by
feature crosses (the playground), ``"features"``: the names of its input features. :func:`dumps` /
:func:`loads` work on bytes (uploads, downloads), :func:`save` / :func:`load` on files (the CLI,
:meth:`nnviz.training.Trainer.save`), :func:`read` also returns the features; all of them load through the same
checks.

Loading an uploaded file never runs code from it and answers every bad file with a
:class:`CheckpointError` (a ``ValueError``) whose message is one short sentence. In order:

1. size: empty, or over :data:`MAX_CHECKPOINT_BYTES` (the 784-128-64-10 network takes about 0.4 MB);
2. container: a zip archive (``torch.save``'s format since PyTorch 1.6) of at most
   :data:`MAX_ZIP_ENTRIES` entries that unpack to at most :data:`MAX_CHECKPOINT_BYTES` (no zip bombs;
   PyTorch's older raw-pickle format, whose tensor sizes are only known while unpickling, is refused);
3. ``torch.load(..., weights_only=True, map_location="cpu")``: PyTorch's restricted unpickler, which
   refuses any Python object beyond tensors and plain containers (a pickle that would run code);
4. content: the format tag :data:`nnviz.models.CHECKPOINT_FORMAT`, an architecture (``ModelSpec``)
   that nnviz can build, of at most :data:`MAX_PARAMETERS` numbers and equal to ``expected`` when
   given, then every tensor's name, shape and dtype against that architecture, and finite values.

>>> from nnviz.models import SimpleNN
>>> model = loads(dumps(SimpleNN()))
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from nnviz.models import CHECKPOINT_FORMAT, ModelSpec, build_model, check_state_dict, model_spec

MAX_CHECKPOINT_BYTES = 20 * 2**20
"""Largest checkpoint accepted, in bytes (20 MiB), for the file and for what it unpacks to."""
MAX_PARAMETERS = MAX_CHECKPOINT_BYTES // 4
"""Most float32 numbers an architecture may hold (what fits in :data:`MAX_CHECKPOINT_BYTES`)."""
MAX_ZIP_ENTRIES = 256
"""Most entries in the archive (a 3-layer network's has 12)."""


class CheckpointError(ValueError):
    """The bytes are not a checkpoint nnviz can load; the message says why in one sentence."""


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint holds: the model (on the CPU) and its input features' names (None when not stored)."""

    model: nn.Module
    features: tuple[str, ...] | None = None


def dumps(model: nn.Module, *, features: Sequence[str] | None = None) -> bytes:
    """The model's architecture and weights (moved to the CPU), and ``features`` when given, as the bytes of a
    ``torch.save`` archive."""
    state = {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}
    payload = {"format": CHECKPOINT_FORMAT, "spec": model_spec(model).to_dict(), "state_dict": state}
    if features is not None:
        payload["features"] = [str(name) for name in features]
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def loads(data: bytes, expected: ModelSpec | None = None) -> nn.Module:
    """The model stored in ``data`` (e.g. ``st.file_uploader(...).getvalue()``), on the CPU.

    Args:
        data: the file's bytes.
        expected: when given, the architecture the file must hold (e.g. the session's ``config.spec``).

    Raises:
        CheckpointError: for anything but a valid nnviz checkpoint (see the module docstring).
    """
    return read(data, expected).model


def read(data: bytes, expected: ModelSpec | None = None) -> Checkpoint:
    """The model and the features stored in ``data``; raises :class:`CheckpointError` as :func:`loads` does."""
    _check_container(data)
    try:
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - an untrusted file can make the unpickler fail in any way
        raise CheckpointError(_unreadable(error)) from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"This is a PyTorch file, but not an nnviz checkpoint ({CHECKPOINT_FORMAT}).")
    spec = _spec(payload.get("spec"))
    if expected is not None and spec != expected:
        raise CheckpointError(f"The file holds {spec.describe()}, but this network is {expected.describe()}.")
    return Checkpoint(_model(spec, payload.get("state_dict")), _features(payload.get("features")))


def save(model: nn.Module, path: str | Path, *, features: Sequence[str] | None = None) -> Path:
    """Write :func:`dumps`'s bytes to ``path`` (its folder created), atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(dumps(model, features=features))
    partial.replace(path)
    return path


def load(path: str | Path, expected: ModelSpec | None = None) -> nn.Module:
    """The model in the checkpoint file at ``path``; :class:`CheckpointError` for a missing, oversized or bad file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CHECKPOINT_BYTES:
            raise CheckpointError(f"{path} has {size:,} bytes; a checkpoint has at most {MAX_CHECKPOINT_BYTES:,}.")
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"Cannot read {path}: {error.strerror or type(error).__name__}.") from None
    return loads(data, expected)


def _features(stored: object) -> tuple[str, ...] | None:
    if stored is None:
        return None
    if not isinstance(stored, list | tuple) or not all(isinstance(name, str) for name in stored) or len(stored) > 64:
        raise CheckpointError("The file's list of input features is invalid.")
    return tuple(stored)


def _check_container(data: bytes) -> None:
    """Size and zip checks that run before anything is unpickled."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise CheckpointError(f"A checkpoint is read from bytes, not {type(data).__name__}.")
    size = len(data)
    if size == 0:
        raise CheckpointError("The file is empty.")
    if size > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(
            f"The file has {size:,} bytes; a checkpoint has at most {MAX_CHECKPOINT_BYTES:,} (20 MB)."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise CheckpointError("This is not a PyTorch checkpoint (a torch.save archive), or it is truncated.") from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"The archive unpacks to {len(entries)} files of {unpacked:,} bytes: too large.")


def _unreadable(error: Exception) -> str:
    """A one-sentence reason for a failed ``torch.load`` (never torch's own advice to load unsafely).

    The restricted unpickler names the global (a function or class) it refused; any other failure
    is damage to the file.
    """
    text = str(error)
    if "Weights only load failed" in text and "global" in text.lower():
        return "Refused: the file holds Python objects besides tensors (it could run code), so it was not loaded."
    return f"The file is corrupt: PyTorch's safe loader could not read it ({type(error).__name__})."


def _spec(stored: object) -> ModelSpec:
    """The architecture stored in a checkpoint, checked to be one nnviz builds, of bounded size."""
    try:
        spec = ModelSpec.from_dict(stored)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        raise CheckpointError("The file's architecture is missing or invalid.") from None
    n_parameters = sum((n_in + 1) * n_out for n_in, n_out in zip(spec.sizes[:-1], spec.sizes[1:], strict=True))
    if n_parameters > MAX_PARAMETERS:
        raise CheckpointError(f"The file's architecture ({spec.describe()}) is larger than nnviz loads.")
    return spec


def _model(spec: ModelSpec, state_dict: object) -> nn.Module:
    """Build ``spec`` and load ``state_dict`` after checking every tensor's name, shape, dtype and values."""
    try:
        with torch.device("meta"):  # shapes only: no memory, no random initialisation (thread-local)
            model = build_model(spec)
    except ValueError as error:
        raise CheckpointError(f"The file's architecture cannot be built: {error}") from None
    if not isinstance(state_dict, dict) or not all(
        isinstance(k, str) and isinstance(v, Tensor) and v.layout == torch.strided for k, v in state_dict.items()
    ):
        raise CheckpointError("The file's weights are missing or not a dictionary of named dense tensors.")
    try:
        check_state_dict(model, state_dict)
    except ValueError as error:
        raise CheckpointError(_shortened(str(error))) from None
    expected_dtypes = {name: tensor.dtype for name, tensor in model.state_dict().items()}
    wrong_dtype = [f"{k} is {v.dtype}" for k, v in state_dict.items() if v.dtype != expected_dtypes[k]]
    if wrong_dtype:
        raise CheckpointError(_shortened(f"Wrong number type ({', '.join(wrong_dtype)}); weights are float32."))
    not_finite = [k for k, v in state_dict.items() if not bool(torch.isfinite(v).all())]
    if not_finite:
        raise CheckpointError(f"The weights hold NaN or infinite values ({', '.join(not_finite)}).")
    # Own, contiguous copies: a crafted file could make two weights views of one storage.
    weights = {k: v.detach().clone(memory_format=torch.contiguous_format) for k, v in state_dict.items()}
    model.load_state_dict(weights, assign=True)
    return model


def _shortened(message: str, limit: int = 300) -> str:
    """``message`` cut to ``limit`` characters (a crafted file can name thousands of tensors)."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


__all__ = [
    "MAX_CHECKPOINT_BYTES",
    "MAX_PARAMETERS",
    "Checkpoint",
    "CheckpointError",
    "dumps",
    "load",
    "loads",
    "read",
    "save",
]
