"""Checkpoints as bytes: an exact round trip, and a clear refusal of every wrong, broken or malicious file."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import pytest
import torch

from nnviz.checkpoints import MAX_CHECKPOINT_BYTES, CheckpointError, dumps, load, loads, read, save
from nnviz.models import CHECKPOINT_FORMAT, Mnist_NN, ModelSpec, Net, SimpleNN, SimpleNNDeep, mlp


class RunsCode:
    """Unpickling this runs a shell command that creates ``marker`` — what a malicious upload would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _saved(payload) -> bytes:
    """``payload`` through plain ``torch.save`` (which pickles anything)."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def _payload(model) -> dict:
    return {"format": CHECKPOINT_FORMAT, "spec": model.spec.to_dict(), "state_dict": model.state_dict()}


def _refused(data, match: str, expected: ModelSpec | None = None) -> str:
    with pytest.raises(CheckpointError, match=match) as error:
        loads(data, expected)
    message = str(error.value)
    assert "\n" not in message and len(message) < 320 and "Traceback" not in message
    assert "weights_only=False" not in message  # never advise loading it unsafely
    return message


@pytest.mark.parametrize("factory", [SimpleNN, SimpleNNDeep, Mnist_NN, lambda: mlp((784, 30, 10), "tanh")])
def test_save_then_load_gives_the_same_weights_and_predictions(factory):
    model = factory()
    data = dumps(model)
    loaded = loads(data, expected=model.spec)
    assert type(loaded) is type(model) and loaded.spec == model.spec
    original, restored = model.state_dict(), loaded.state_dict()
    assert list(restored) == list(original)
    assert all(torch.equal(restored[k], original[k]) for k in original)
    x = torch.rand(16, 784, generator=torch.Generator().manual_seed(0))
    assert torch.equal(loaded(x), model(x))
    parameters = list(loaded.parameters())
    assert all(p.is_leaf and p.requires_grad and p.device.type == "cpu" and p.is_contiguous() for p in parameters)
    assert len({p.data_ptr() for p in parameters}) == len(parameters)  # no two weights share memory
    torch.optim.SGD(parameters, lr=0.1).zero_grad()
    loaded(x).sum().backward()  # it trains
    assert all(p.grad is not None for p in parameters)


def test_the_deep_tutorial_network_is_well_under_a_megabyte():
    assert len(dumps(SimpleNNDeep())) < 600_000


def test_files_and_bytes_are_interchangeable(tmp_path):
    model = Mnist_NN()
    path = save(model, tmp_path / "a.pt")
    assert torch.equal(loads(path.read_bytes()).lin1.weight, model.lin1.weight)
    (tmp_path / "b.pt").write_bytes(dumps(model))
    assert torch.equal(load(tmp_path / "b.pt").lin2.bias, model.lin2.bias)
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("model", [mlp((3, 5, 2), "gelu"), Mnist_NN(), Net(4)])
def test_a_file_round_trip_rebuilds_the_same_function(tmp_path, model):
    loaded = load(save(model, tmp_path / "sub" / "model.pt"))
    assert type(loaded) is type(model) and loaded.spec == model.spec
    x = torch.randn(5, model.spec.sizes[0])
    torch.testing.assert_close(loaded(x), model(x))


def test_features_are_stored_and_read_back():
    assert read(dumps(mlp((3, 4, 2)), features=["x1", "x2", "x1_x2"])).features == ("x1", "x2", "x1_x2")
    assert read(dumps(mlp((3, 4, 2)))).features is None
    payload = torch.load(io.BytesIO(dumps(mlp((3, 4, 2)))), weights_only=True)
    payload["features"] = {"not": "a list"}
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with pytest.raises(CheckpointError, match="list of input features is invalid"):
        read(buffer.getvalue())


def test_bad_files_are_refused_with_their_reason(tmp_path):
    with pytest.raises(CheckpointError, match="Cannot read"):
        load(tmp_path / "missing.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not an nnviz checkpoint"):
        load(tmp_path / "other.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        load(tmp_path / "junk.pt")
    save(mlp((3, 5, 2)), tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="holds mlp 3-5-2"):
        load(tmp_path / "m.pt", expected=ModelSpec("mlp", (3, 6, 2), ("relu", "linear")))


def test_a_different_architecture_is_refused_when_one_is_expected():
    message = _refused(dumps(Mnist_NN()), "holds Mnist_NN 784-50-10", expected=SimpleNN.spec)
    assert "SimpleNN 784-128-10" in message


def test_empty_oversized_and_non_checkpoint_files_are_refused():
    _refused(b"", "empty")
    _refused(b"\0" * (MAX_CHECKPOINT_BYTES + 1), r"at most 20,971,520 \(20 MB\)")
    _refused(os.urandom(4096), "not a PyTorch checkpoint")
    _refused(b"hello, this is text", "not a PyTorch checkpoint")
    good = dumps(SimpleNN())
    _refused(good[: len(good) // 2], "not a PyTorch checkpoint|truncated")
    _refused(good[:-30], "not a PyTorch checkpoint|truncated")
    with pytest.raises(CheckpointError, match="from bytes"):
        loads("a path.pt")  # type: ignore[arg-type]


def test_a_corrupt_archive_is_refused_with_a_short_message():
    good = bytearray(dumps(SimpleNN()))
    with zipfile.ZipFile(io.BytesIO(bytes(good))) as archive:
        pickled = archive.getinfo(next(n for n in archive.namelist() if n.endswith("data.pkl")))
    start = pickled.header_offset + 30 + len(pickled.filename) + len(pickled.extra)
    good[start : start + 40] = b"\xff" * 40  # scribble over the pickle inside the archive
    _refused(bytes(good), "The file is corrupt")


def test_a_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", b"\0" * (MAX_CHECKPOINT_BYTES + 1))
    assert len(buffer.getvalue()) < 100_000
    _refused(buffer.getvalue(), "unpacks to .* too large")


def test_torch_files_that_are_not_nnviz_checkpoints_are_refused():
    model = SimpleNN()
    _refused(_saved(model.state_dict()), "not an nnviz checkpoint")
    _refused(_saved({**_payload(model), "format": "other-1"}), "not an nnviz checkpoint")
    _refused(_saved([1, 2, 3]), "not an nnviz checkpoint")


def test_a_wrong_or_unbuildable_architecture_is_refused():
    state = SimpleNN().state_dict()
    for spec in (None, {"name": "mlp"}, {"name": "mlp", "sizes": [784, -1], "activations": ["relu"]}):
        _refused(_saved({"format": CHECKPOINT_FORMAT, "spec": spec, "state_dict": state}), "architecture")
    unknown = {"name": "ResNet", "sizes": [784, 10], "activations": ["linear"]}
    _refused(_saved({"format": CHECKPOINT_FORMAT, "spec": unknown, "state_dict": state}), "cannot be built")
    huge = {"name": "mlp", "sizes": [784, 10**9, 10], "activations": ["relu", "linear"]}
    _refused(_saved({"format": CHECKPOINT_FORMAT, "spec": huge, "state_dict": state}), "larger than nnviz loads")


@pytest.mark.filterwarnings("ignore:Validating sparse tensor invariants")
def test_every_tensor_must_match_the_architecture_in_name_shape_dtype_and_values():
    model = SimpleNN()
    payload = _payload(model)
    state = payload["state_dict"]

    def with_state(new_state):
        return _saved({**payload, "state_dict": new_state})

    _refused(with_state({**state, "fc1.weight": torch.zeros(128, 783)}), r"fc1.weight: file \(128, 783\)")
    _refused(with_state({k: v for k, v in state.items() if k != "fc2.bias"}), "missing fc2.bias")
    _refused(with_state({**state, "fc3.weight": torch.zeros(1)}), "unexpected fc3.weight")
    _refused(with_state({**state, "fc2.bias": state["fc2.bias"].double()}), "fc2.bias is torch.float64")
    _refused(with_state({**state, "fc2.bias": torch.full((10,), float("nan"))}), "NaN or infinite .*fc2.bias")
    _refused(with_state({**state, "fc2.bias": state["fc2.bias"].to_sparse()}), "dense tensors")
    _refused(with_state([1, 2]), "dictionary of named")
    many = {**state, **{f"extra{i}": torch.zeros(1) for i in range(200)}}
    assert len(_refused(with_state(many), "unexpected extra0")) <= 300


def test_a_malicious_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "the-code-ran"
    plain = pickle.dumps(RunsCode(marker))
    through_torch = _saved({**_payload(SimpleNN()), "extra": RunsCode(marker)})
    _refused(plain, "not a PyTorch checkpoint")
    message = _refused(through_torch, "Refused: the file holds Python objects")
    assert "could run code" in message
    _refused(through_torch, "Refused", expected=SimpleNN.spec)
    assert not marker.exists()


def test_the_malicious_payload_is_real(tmp_path):
    """Control: loaded the unsafe way, the same bytes do run code (so the refusal above means something)."""
    marker = tmp_path / "the-code-ran"
    pickle.loads(pickle.dumps(RunsCode(marker)))  # noqa: S301 - deliberately unsafe, on our own bytes
    assert marker.exists()
    marker.unlink()
    torch.load(io.BytesIO(_saved({"extra": RunsCode(marker)})), weights_only=False)
    assert marker.exists()
