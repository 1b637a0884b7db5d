"""The tutorials' network architectures and an MLP builder.

Every model here is an ``nn.Module`` of Linear layers and element-wise activations, so one
:class:`ModelSpec` (sizes + one activation per Linear layer) describes each of them. The spec is
what a checkpoint (:mod:`nnviz.checkpoints`) stores beside the weights, and what :func:`build_model` turns back
into a model; :func:`check_state_dict` checks weights against it.

The tutorials' classes keep the tutorials' class names and attribute names (``fc1``, ``lin1``,
``layers``), so their ``state_dict`` keys match the tutorials' own code.

>>> model = mlp((2, 8, 2), ("relu", "linear"))
>>> model(torch.zeros(5, 2)).shape
torch.Size([5, 2])
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nnviz.activations import ACTIVATIONS
from nnviz.inputs import Bound, parse_whole_numbers

CHECKPOINT_FORMAT = "nnviz-checkpoint-1"


@dataclass(frozen=True)
class ModelSpec:
    """What a model is: its class ``name`` ("mlp" or a tutorial class), layer sizes, one activation per layer.

    ``sizes`` = (inputs, hidden..., outputs); ``activations[i]`` follows Linear layer ``i``, so
    ``len(activations) == len(sizes) - 1``.
    """

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        object.__setattr__(self, "activations", tuple(self.activations))
        check_sizes(self.sizes)
        check_activations(self.activations, len(self.sizes) - 1)

    def to_dict(self) -> dict:
        """Plain dict of str / list (JSON- and ``weights_only``-safe)."""
        return {"name": self.name, "sizes": list(self.sizes), "activations": list(self.activations)}

    @classmethod
    def from_dict(cls, d: dict) -> ModelSpec:
        return cls(name=str(d["name"]), sizes=tuple(d["sizes"]), activations=tuple(d["activations"]))

    def describe(self) -> str:
        """E.g. ``"mlp 784-128-10 (relu, linear)"``."""
        return f"{self.name} {format_sizes(self.sizes)} ({', '.join(self.activations)})"


def check_sizes(sizes: Sequence[int]) -> None:
    """Raise ValueError unless ``sizes`` is at least (inputs, outputs), every size a positive int."""
    if len(sizes) < 2:
        raise ValueError(f"A network needs at least an input and an output size, got {list(sizes)}.")
    if any(not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"Layer sizes must be positive integers, got {list(sizes)}.")


def check_activations(activations: Sequence[str], n_layers: int) -> None:
    """Raise ValueError unless there is one known activation name per Linear layer."""
    unknown = [a for a in activations if a not in ACTIVATIONS]
    if unknown:
        raise ValueError(f"Unknown activation {unknown[0]!r}; choose from {', '.join(ACTIVATIONS)}.")
    if len(activations) != n_layers:
        raise ValueError(f"Need one activation per Linear layer ({n_layers}), got {len(activations)}.")


MAX_LAYER_WIDTH = 16_384
"""Widest layer :func:`parse_sizes` reads: a 16,384 × 16,384 float32 weight matrix alone is 1 GiB."""
MAX_LINEAR_LAYERS = 32
"""Most Linear layers :func:`parse_sizes` reads: deeper plain MLPs (no normalisation, no skip connections) do not
train."""
LAYER_WIDTHS = Bound(1, MAX_LAYER_WIDTH, "one such weight matrix is already 1 GiB")
LAYER_COUNTS = Bound(2, MAX_LINEAR_LAYERS + 1, f"inputs and outputs, and at most {MAX_LINEAR_LAYERS} Linear layers")


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"784-128-10"`` (or ``"784, 128, 10"``) -> ``(784, 128, 10)``: 2 to ``MAX_LINEAR_LAYERS + 1`` widths in
    :data:`LAYER_WIDTHS`.

    Raises:
        InputError: for anything else, saying the bound and why.
    """
    sizes = parse_whole_numbers(
        text, what="layer sizes", values=LAYER_WIDTHS, count=LAYER_COUNTS, example="784-128-10", dashes=True
    )
    return tuple(sizes)


def format_sizes(sizes: Sequence[int]) -> str:
    """``(784, 128, 10)`` -> ``"784-128-10"``."""
    return "-".join(str(s) for s in sizes)


def default_activations(n_layers: int, hidden: str = "relu", output: str = "linear") -> tuple[str, ...]:
    """``hidden`` after every hidden Linear layer, ``output`` after the last one."""
    return (hidden,) * (n_layers - 1) + (output,)


class MLP(nn.Sequential):
    """A multilayer perceptron: ``fc1, act1, fc2, act2, ...`` ("linear" adds no module).

    Input (batch, sizes[0]) float32 -> output (batch, sizes[-1]).
    """

    def __init__(self, sizes: Sequence[int], activations: Sequence[str]):
        spec = ModelSpec("mlp", tuple(sizes), tuple(activations))  # validates before building
        modules: OrderedDict[str, nn.Module] = OrderedDict()
        for i, (n_in, n_out, act) in enumerate(zip(sizes[:-1], sizes[1:], activations, strict=True), start=1):
            modules[f"fc{i}"] = nn.Linear(n_in, n_out)
            if act != "linear":  # the identity adds no module, as in the tutorials
                modules[f"act{i}"] = ACTIVATIONS[act].module()
        super().__init__(modules)
        self.spec = spec


def mlp(sizes: Sequence[int], activations: Sequence[str] | str = "relu") -> MLP:
    """An :class:`MLP` (initialised by torch's global generator, as ``nn.Linear`` is: for notebooks; code the app
    runs uses :func:`build_model` with a seed); a single activation name means "that after hidden layers,
    linear output"."""
    if isinstance(activations, str):
        activations = default_activations(len(sizes) - 1, hidden=activations)
    return MLP(sizes, activations)


# --- The tutorials' own classes (names and attributes as written there) ------------------------------------------


class Net(nn.Module):
    """Tutorial 000: one neuron, ``sigmoid(fc1(x))``. Input (batch, input_dim) -> probability (batch, 1)."""

    def __init__(self, input_dim: int):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, 1)
        self.spec = ModelSpec("Net", (input_dim, 1), ("sigmoid",))

    def forward(self, x_in: Tensor) -> Tensor:
        return torch.sigmoid(self.fc1(x_in))


class BinaryClassifier(nn.Module):
    """Tutorial 001: 20 -> 10 (ReLU) -> 1 (sigmoid). Input (batch, 20) -> probability (batch, 1)."""

    spec = ModelSpec("BinaryClassifier", (20, 10, 1), ("relu", "sigmoid"))

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 10)
        self.fc2 = nn.Linear(10, 1)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.fc1(x))
        return torch.sigmoid(self.fc2(x))


class SimpleNN(nn.Module):
    """Tutorial 002: MNIST 784 -> 128 (ReLU) -> 10 logits. Input (batch, 784) or (batch, 1, 28, 28)."""

    spec = ModelSpec("SimpleNN", (784, 128, 10), ("relu", "linear"))

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = x.view(-1, 28 * 28)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


class SimpleNNDeep(nn.Module):
    """Tutorial 003 (called ``SimpleNN`` there too): 784 -> 128 -> 64 -> 10 logits, ReLU, Flatten + Sequential."""

    spec = ModelSpec("SimpleNNDeep", (784, 128, 64, 10), ("relu", "relu", "linear"))

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(784, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(self.flatten(x))


class Mnist_NN(nn.Module):  # noqa: N801 - the tutorial's name
    """Tutorial 004: 784 -> 50 (ReLU) -> 10 logits. Input (batch, 784)."""

    spec = ModelSpec("Mnist_NN", (784, 50, 10), ("relu", "linear"))

    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(784, 50, bias=True)
        self.lin2 = nn.Linear(50, 10, bias=True)

    def forward(self, xb: Tensor) -> Tensor:
        x = self.lin1(xb)
        x = F.relu(x)
        return self.lin2(x)


TUTORIAL_MODELS: dict[str, type[nn.Module]] = {
    "Net": Net,
    "BinaryClassifier": BinaryClassifier,
    "SimpleNN": SimpleNN,
    "SimpleNNDeep": SimpleNNDeep,
    "Mnist_NN": Mnist_NN,
}


def build_model(spec: ModelSpec, seed: int = 0) -> nn.Module:
    """A model for ``spec`` initialised from ``seed`` alone, never from torch's process-wide generator.

    The weights are exactly those ``torch.manual_seed(seed)`` followed by constructing the model would give
    (``nn.Linear``'s default initialisation, layer by layer in order), so a script that does that reproduces
    them; but here they come from a private ``torch.Generator``, so sessions building models in threads at
    the same time cannot disturb each other.
    """
    if spec.name != "mlp" and spec.name not in TUTORIAL_MODELS:
        raise ValueError(f"Unknown model {spec.name!r}; choose from mlp, {', '.join(TUTORIAL_MODELS)}.")
    with torch.device("meta"):  # shapes only: constructing draws no random numbers
        if spec.name == "mlp":
            model = MLP(spec.sizes, spec.activations)
        else:
            model = Net(spec.sizes[0]) if spec.name == "Net" else TUTORIAL_MODELS[spec.name]()
    if model.spec != spec:
        raise ValueError(f"{spec.name} is fixed at {model.spec.describe()}, not {spec.describe()}.")
    model = model.to_empty(device="cpu")
    initialize(model, torch.Generator().manual_seed(int(seed)))
    return model


def initialize(model: nn.Module, generator: torch.Generator) -> None:
    """``nn.Linear``'s default initialisation of every Linear layer in order, drawn from ``generator``:
    ``W ~ kaiming_uniform(a=√5)`` (= U(−1/√n_in, 1/√n_in)) and ``b ~ U(−1/√n_in, 1/√n_in)``."""
    with torch.no_grad():
        for _, layer in linear_layers(model):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                bound = 1 / math.sqrt(layer.in_features)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def model_spec(model: nn.Module) -> ModelSpec:
    """The :class:`ModelSpec` of a model built here (every one carries ``.spec``)."""
    spec = getattr(model, "spec", None)
    if not isinstance(spec, ModelSpec):
        raise ValueError(f"{type(model).__name__} was not built by nnviz.models; it has no architecture spec.")
    return spec


def linear_layers(model: nn.Module) -> list[tuple[str, nn.Linear]]:
    """The model's Linear layers in forward order, with their names in the state_dict (e.g. ``"fc1"``)."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)]


_HOOKED: weakref.WeakKeyDictionary[nn.Module, threading.Lock] = weakref.WeakKeyDictionary()
_HOOKED_LOCK = threading.Lock()


@contextmanager
def linear_hooks(model: nn.Module, keep: Callable[[Tensor, Tensor], None]) -> Iterator[None]:
    """``keep(input, output)`` for every Linear layer of ``model``, in forward order, during the passes made inside
    the block (PyTorch forward hooks, removed on exit).

    Hooks are the model's own, seen by every pass through it: threads drawing the same model (a feed's request and
    a rerun of its page, or two sessions sharing a cached model) take turns, or each would keep the other's layers.
    """
    with _HOOKED_LOCK:
        turn = _HOOKED.setdefault(model, threading.Lock())
    with turn:
        handles = [
            layer.register_forward_hook(lambda _m, args, output: keep(args[0], output))
            for _, layer in linear_layers(model)
        ]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()


# --- Weights against an architecture -----------------------------------------------------------------------------


def check_state_dict(model: nn.Module, state_dict: dict[str, Tensor]) -> None:
    """Raise ValueError naming every missing, extra or wrongly shaped tensor of ``state_dict``."""
    own = model.state_dict()
    problems = [f"missing {k}" for k in own if k not in state_dict]
    problems += [f"unexpected {k}" for k in state_dict if k not in own]
    problems += [
        f"{k}: file {tuple(state_dict[k].shape)} vs model {tuple(v.shape)}"
        for k, v in own.items()
        if k in state_dict and state_dict[k].shape != v.shape
    ]
    if problems:
        raise ValueError("Checkpoint does not match the architecture: " + "; ".join(problems))
