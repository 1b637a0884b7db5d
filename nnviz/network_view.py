"""A live MLP seen from the playground: every neuron's map over the input plane, its hidden space, its
weights picked and edited by hand, and its export.

The model is any network of ``nn.Linear`` layers applied in sequence with element-wise activations
between them (:class:`nnviz.models.MLP`: ``fc1, act1, fc2, ...``), fed by a
:class:`~nnviz.features.FeatureMap` from the points of the plane. Layers are numbered as on the forward
page: layer 0 is the input (the features), layer ``l = 1 .. L`` is what Linear layer ``l`` and its
activation compute, layer ``L`` the output; ``w⁽ˡ⁾ᵢⱼ`` is the weight from neuron ``j`` of layer ``l - 1``
to neuron ``i`` of layer ``l``, ``b⁽ˡ⁾ᵢ`` the bias of neuron ``i``.

* :func:`neuron_maps` (:func:`neuron_maps_on` for several grids at once): the activation of every neuron of
  every layer over a :class:`PlaneGrid`, from one forward pass of the grid (each Linear layer's input is
  captured with a forward pre-hook, so the numbers are exactly the ones the model computes), in chunks of
  :data:`CHUNK` points;
* :func:`hidden_space`: the data points and the lines of a grid of the input plane mapped into two
  neurons' coordinates (ConvNetJS's "transformed space");
* :class:`Pick`, :func:`parameter`, :func:`set_parameter`: one weight, bias or neuron, as the figures'
  ``customdata`` name it; setting a value changes the model's own tensor in place, so the optimizer
  steps from it at its next step (Adam's moment estimates are kept);
* :func:`model_bytes` / :func:`load_model_bytes`: the trained model as a file to download (an nnviz
  checkpoint plus the names of its input features).

Nothing here switches the model between train and eval mode (the playground's MLP has neither dropout
nor batch norm) or touches torch's process-wide state. A model that another thread trains must be read
between its optimizer steps (e.g. through :meth:`nnviz.live.LiveRun.call`) or from a copy.

Bounds: grids of at most :data:`MAX_RESOLUTION` points a side; a map costs at most :data:`MAX_GRID_MACS`
multiply-adds (:func:`affordable_resolution` picks the finest grid within it); edited values within
±:data:`EDIT_LIMIT`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nnviz import checkpoints
from nnviz.dataset import DataError
from nnviz.features import PLAIN, FeatureMap
from nnviz.models import linear_hooks, linear_layers, model_spec
from nnviz.toys import TOY_EXTENT

MAX_RESOLUTION = 200
"""Most grid points per side (40,000 points): far finer than a heatmap a few hundred pixels wide shows."""
MAX_GRID_MACS = 50_000_000
"""Most multiply-adds of one grid's forward pass (tens of milliseconds on one CPU core); the playground's
largest network (7 inputs, 6 × 8 hidden, 8 outputs: 440 weights) evaluates a 200 × 200 grid in 18 M."""
CHUNK = 16_384
"""Grid points per forward pass."""
EDIT_LIMIT = 10.0
"""Largest |value| one may set a weight or bias to: beyond it a tanh or sigmoid unit is saturated everywhere."""
MAX_LINES, MAX_LINE_SAMPLES = 41, 401
"""Bounds of :func:`hidden_space`'s grid: lines per direction and points per line."""


@dataclass(frozen=True)
class PlaneGrid:
    """The square ``[-extent, extent]²`` sampled at ``resolution × resolution`` points.

    The same grid serves the decision regions, the output heatmap and every neuron's map, so they line up.
    """

    extent: float = TOY_EXTENT
    resolution: int = 60

    def __post_init__(self) -> None:
        if not (math.isfinite(self.extent) and self.extent > 0):
            raise ValueError(f"The grid's extent must be a positive number, got {self.extent}.")
        if not 2 <= self.resolution <= MAX_RESOLUTION:
            raise ValueError(f"A grid has 2 to {MAX_RESOLUTION} points a side, got {self.resolution}.")

    @property
    def axis(self) -> Tensor:
        """``(resolution,)`` coordinates from ``-extent`` to ``extent``, the same for x₁ and x₂."""
        return torch.linspace(-self.extent, self.extent, self.resolution)

    def points(self) -> Tensor:
        """``(resolution², 2)`` float32: point ``i * resolution + j`` is ``(axis[j], axis[i])`` (row ``i`` = x₂)."""
        x2, x1 = torch.meshgrid(self.axis, self.axis, indexing="ij")
        return torch.stack([x1.reshape(-1), x2.reshape(-1)], dim=1)


@dataclass(frozen=True)
class NeuronMaps:
    """Every neuron's value over a grid of the input plane.

    Attributes:
        grid: the :class:`PlaneGrid` evaluated.
        layers: ``layers[l]`` is ``(units_l, resolution, resolution)`` float32 on the CPU, entry ``[u, i, j]``
            the value of neuron ``u`` of layer ``l`` at ``(axis[j], axis[i])``; layer 0 holds the input
            features, the last layer the model's raw output (logits for classification).
        activations: the activation of layers ``1 .. L`` (from the model's spec).
    """

    grid: PlaneGrid
    layers: tuple[Tensor, ...]
    activations: tuple[str, ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        """Neurons per layer, input to output."""
        return tuple(len(layer) for layer in self.layers)

    def probabilities(self) -> Tensor:
        """``softmax`` of the output over the classes, ``(resolution, resolution, n_classes)`` (row = x₂)."""
        output = self.layers[-1]
        if len(output) < 2:
            raise ValueError("Class probabilities need one output per class (at least 2).")
        return F.softmax(output, dim=0).permute(1, 2, 0)


def grid_cost(model: nn.Module, resolution: int) -> int:
    """Multiply-adds of one forward pass over a ``resolution × resolution`` grid."""
    return resolution**2 * sum(layer.weight.numel() for _, layer in linear_layers(model))


def affordable_resolution(model: nn.Module, wanted: int) -> int:
    """The finest grid up to ``wanted`` points a side that :func:`neuron_maps` evaluates within :data:`MAX_GRID_MACS`.

    Raises ValueError when not even a 2 × 2 grid fits (the network is too large to map live).
    """
    weights = sum(layer.weight.numel() for _, layer in linear_layers(model))
    resolution = min(wanted, MAX_RESOLUTION, math.isqrt(MAX_GRID_MACS // max(weights, 1)))
    if resolution < 2:
        raise ValueError(f"A network with {weights:,} weights is too large to map over the plane live.")
    return resolution


def neuron_maps(model: nn.Module, features: FeatureMap, grid: PlaneGrid) -> NeuronMaps:
    """Every neuron's value at every point of ``grid``, from one (chunked) forward pass; see :class:`NeuronMaps`."""
    return neuron_maps_on(model, features, [grid])[0]


def neuron_maps_on(model: nn.Module, features: FeatureMap, grids: Sequence[PlaneGrid]) -> list[NeuronMaps]:
    """:func:`neuron_maps` for several grids in one forward pass (e.g. the thumbnails' coarse grid and the fine
    grid of the large plot of the same frame: one pass costs far less than two for such small networks).

    Raises ValueError when the grids together cost more than :data:`MAX_GRID_MACS` multiply-adds.
    """
    _check_inputs(model, features)
    cost = sum(grid_cost(model, grid.resolution) for grid in grids)
    if cost > MAX_GRID_MACS:
        raise ValueError(
            f"Grids of {', '.join(f'{g.resolution}²' for g in grids)} points cost {cost:,} multiply-adds for this "
            f"network, more than {MAX_GRID_MACS:,}; use affordable_resolution()."
        )
    layers = forward_layers(model, features(torch.cat([grid.points() for grid in grids])))
    activations = model_spec(model).activations
    maps, start = [], 0
    for grid in grids:
        n, shape = grid.resolution**2, (grid.resolution, grid.resolution)
        values = tuple(layer[start : start + n].T.reshape(-1, *shape).contiguous() for layer in layers)
        maps.append(NeuronMaps(grid=grid, layers=values, activations=activations))
        start += n
    return maps


def forward_layers(model: nn.Module, inputs: Tensor) -> list[Tensor]:
    """Every layer's values for network inputs ``(n, k)``: ``[inputs, hidden 1, ..., output]``, each
    ``(n, units_l)`` float32 on the CPU, in chunks of :data:`CHUNK` rows under ``torch.no_grad``."""
    device = next(model.parameters()).device
    chunks: list[list[Tensor]] = []
    seen: list[Tensor] = []  # each Linear layer's input: [inputs, hidden 1, ..., last hidden]
    with torch.no_grad(), linear_hooks(model, lambda x, _: seen.append(x)):
        for start in range(0, len(inputs), CHUNK):
            output = model(inputs[start : start + CHUNK].to(device))
            chunks.append([value.cpu() for value in (*seen, output)])
            seen.clear()
    return [torch.cat(layer) for layer in zip(*chunks, strict=True)]


def _check_inputs(model: nn.Module, features: FeatureMap) -> None:
    n_inputs = linear_layers(model)[0][1].in_features
    if n_inputs != features.size:
        raise ValueError(f"The network takes {n_inputs} inputs but {features.size} features are switched on.")


# --- hidden space -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HiddenSpace:
    """The data and the input plane's grid lines seen in two neurons' coordinates.

    Attributes:
        layer: the layer (0 = the input features, ``L`` = the output).
        neurons: the two neurons ``(a, b)``: horizontal and vertical coordinate.
        points: ``(n, 2)`` each data point's values of neurons ``a`` and ``b``.
        lines: ``(2, n_lines, samples, 2)``: ``lines[0, k]`` is the image of the vertical line
            ``x₁ = c_k`` of the input plane (x₂ from ``-extent`` to ``extent``), ``lines[1, k]`` of the
            horizontal line ``x₂ = c_k``.
    """

    layer: int
    neurons: tuple[int, int]
    points: np.ndarray
    lines: np.ndarray


def hidden_space(
    model: nn.Module,
    features: FeatureMap,
    points: Tensor | np.ndarray,
    layer: int,
    neurons: tuple[int, int] = (0, 1),
    *,
    extent: float = TOY_EXTENT,
    n_lines: int = 13,
    samples: int = 81,
) -> HiddenSpace:
    """``points`` ``(n, 2)`` of the plane and a grid of ``n_lines`` lines each way across ``[-extent, extent]²``
    (``samples`` points per line), mapped through the network up to ``layer`` and read at two of its neurons.

    Raises ValueError for a layer with fewer than two neurons, equal or out-of-range neurons, or a grid
    beyond :data:`MAX_LINES` × :data:`MAX_LINE_SAMPLES`.
    """
    _check_inputs(model, features)
    sizes = model_spec(model).sizes
    if not 0 <= layer < len(sizes):
        raise ValueError(f"Layers go from 0 (the input) to {len(sizes) - 1} (the output), not {layer}.")
    a, b = neurons
    if sizes[layer] < 2:
        raise ValueError(f"Layer {layer} has one neuron; a hidden space needs two (pick a layer with at least 2).")
    if a == b or not (0 <= a < sizes[layer] and 0 <= b < sizes[layer]):
        raise ValueError(f"Pick two different neurons from 0 to {sizes[layer] - 1} of layer {layer}, not {a} and {b}.")
    if not (2 <= n_lines <= MAX_LINES and 2 <= samples <= MAX_LINE_SAMPLES):
        raise ValueError(f"Use 2 to {MAX_LINES} lines of 2 to {MAX_LINE_SAMPLES} points each.")
    data = torch.as_tensor(points, dtype=torch.float32).reshape(-1, 2)
    across = torch.linspace(-extent, extent, n_lines)
    along = torch.linspace(-extent, extent, samples)
    c, t = torch.meshgrid(across, along, indexing="ij")  # (n_lines, samples)
    vertical = torch.stack([c, t], dim=-1)  # x₁ = c_k
    horizontal = torch.stack([t, c], dim=-1)  # x₂ = c_k
    plane = torch.cat([data, vertical.reshape(-1, 2), horizontal.reshape(-1, 2)])
    values = forward_layers(model, features(plane))[layer][:, [a, b]].numpy()
    return HiddenSpace(
        layer=layer,
        neurons=(a, b),
        points=values[: len(data)],
        lines=values[len(data) :].reshape(2, n_lines, samples, 2),
    )


# --- picking and editing parameters -------------------------------------------------------------------------------

KINDS = ("weight", "bias", "neuron")


@dataclass(frozen=True)
class Pick:
    """One weight ``w⁽ˡ⁾ᵢⱼ``, bias ``b⁽ˡ⁾ᵢ`` or neuron ``i`` of layer ``l``, as a figure's ``customdata`` names it.

    ``j`` is the source neuron of a weight and -1 otherwise. Weights and biases live in layers ``1 .. L``,
    neurons in ``0 .. L``.
    """

    kind: str
    layer: int
    i: int
    j: int = -1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"A pick is a {', '.join(KINDS)}, not {self.kind!r}.")
        if (self.kind == "weight") != (self.j >= 0):
            raise ValueError("A weight names its source neuron j >= 0; a bias or neuron has j = -1.")

    @property
    def customdata(self) -> tuple[int, int, int, int]:
        """``(kind, layer, i, j)`` with ``kind`` the index in :data:`KINDS` (0 weight, 1 bias, 2 neuron): what a
        figure attaches to the marker that stands for it (all numbers, so plotly sends them as a binary array)."""
        return KINDS.index(self.kind), self.layer, self.i, self.j

    @classmethod
    def from_customdata(cls, values: Sequence) -> Pick:
        """The inverse of :attr:`customdata` (the browser may send the numbers back as floats)."""
        numbers = list(values)
        if len(numbers) != 4 or not all(isinstance(v, int | float) and float(v).is_integer() for v in numbers):
            raise ValueError(f"Not a pick's customdata: {numbers!r}.")
        kind, layer, i, j = (int(v) for v in numbers)
        if not 0 <= kind < len(KINDS):
            raise ValueError(f"Not a pick's customdata: {numbers!r}.")
        return cls(KINDS[kind], layer, i, j)

    @property
    def symbol(self) -> str:
        """``w⁽²⁾₃₁``, ``b⁽²⁾₃`` or ``a⁽²⁾₃`` (plain Unicode, for messages and inputs' labels)."""
        sup = str(self.layer).translate(_SUPERSCRIPTS)
        sub = (
            str(self.i) + ("," if self.i > 9 or self.j > 9 else "") + str(self.j)
            if self.kind == "weight"
            else str(self.i)
        )
        return f"{'wba'[KINDS.index(self.kind)]}⁽{sup}⁾{sub.translate(_SUBSCRIPTS)}"


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPTS = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")


def _tensor_entry(model: nn.Module, pick: Pick) -> tuple[Tensor, tuple[int, ...]]:
    """The parameter tensor holding ``pick`` and its index there; ValueError when ``pick`` is not in the model."""
    if pick.kind == "neuron":
        raise ValueError(f"{pick.symbol} is a neuron, not a weight or a bias.")
    layers = linear_layers(model)
    if not 1 <= pick.layer <= len(layers):
        raise ValueError(f"Weights and biases live in layers 1 to {len(layers)}, not {pick.layer}.")
    linear = layers[pick.layer - 1][1]
    if not 0 <= pick.i < linear.out_features or pick.j >= linear.in_features:
        raise ValueError(
            f"Layer {pick.layer} has no {pick.symbol}: it maps {linear.in_features} to {linear.out_features} neurons."
        )
    if pick.kind == "weight":
        return linear.weight, (pick.i, pick.j)
    if linear.bias is None:
        raise ValueError(f"Layer {pick.layer} has no biases.")
    return linear.bias, (pick.i,)


def parameter(model: nn.Module, pick: Pick) -> float:
    """The current value of the weight or bias ``pick``."""
    tensor, index = _tensor_entry(model, pick)
    return float(tensor.detach()[index])


def set_parameter(model: nn.Module, pick: Pick, value: float) -> float:
    """Set the weight or bias ``pick`` to ``value`` in place (under ``torch.no_grad``); returns the old value.

    The model's own parameter tensor changes, so the optimizer that holds it steps from the new value next
    time. ``value`` must be finite and within ±:data:`EDIT_LIMIT`.
    """
    if not (math.isfinite(value) and abs(value) <= EDIT_LIMIT):
        raise ValueError(f"{pick.symbol} can be set within ±{EDIT_LIMIT:g}, not {value}.")
    tensor, index = _tensor_entry(model, pick)
    with torch.no_grad():
        previous = float(tensor.detach()[index])
        tensor[index] = value
    return previous


def layer_parameters(model: nn.Module) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each Linear layer's weight ``(n_out, n_in)`` and bias ``(n_out,)`` as float32 numpy copies (zeros if none)."""
    with torch.no_grad():
        return [
            (
                layer.weight.detach().cpu().numpy().copy(),
                np.zeros(layer.out_features, np.float32)
                if layer.bias is None
                else layer.bias.detach().cpu().numpy().copy(),
            )
            for _, layer in linear_layers(model)
        ]


# --- export -------------------------------------------------------------------------------------------------------


def model_bytes(model: nn.Module, features: FeatureMap) -> bytes:
    """The model as a file to download: an :mod:`nnviz.checkpoints` checkpoint that also names the input features;
    ``torch.load(..., weights_only=True)`` reads it, and so do :func:`load_model_bytes` and
    :func:`nnviz.checkpoints.loads` (which ignores the features)."""
    _check_inputs(model, features)
    return checkpoints.dumps(model, features=features.names)


def load_model_bytes(data: bytes) -> tuple[nn.Module, FeatureMap]:
    """The model and its features from :func:`model_bytes`'s file (plain inputs x₁, x₂ when it names none);
    a ValueError (:class:`~nnviz.checkpoints.CheckpointError`) for anything else."""
    checkpoint = checkpoints.read(data)
    try:
        features = FeatureMap(checkpoint.features or PLAIN)
    except DataError as error:
        raise checkpoints.CheckpointError(f"The file's input features are unknown: {error}") from None
    _check_inputs(checkpoint.model, features)
    return checkpoint.model, features
