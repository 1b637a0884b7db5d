"""Playground: TensorFlow Playground's experiment in real PyTorch — every neuron's map, your own points, edit a weight.

The run trains in a background worker (ui.training / nnviz.live); the live area copies its model between slices
and draws the network with every neuron's map over the plane, and the decision regions with the data. The
learning rate, the optimizer, L1 and L2 and the epochs change the run from its next step; the data, the input
features, the architecture and the seed define it. The +/− buttons edit the typed hidden widths (so the URL keeps
``?hidden=4,4``), and each hidden layer's activation lives in ``?acts=`` (empty: the one ``activation``). A
regression problem (or points with a ``y`` column) trains one linear output on the mean squared error, drawn as
a heatmap over the plane.
"""

import functools

import plotly.graph_objects as go
import streamlit as st

import ui
from nnviz import network_view
from nnviz.activations import ACTIVATIONS, trainable_activations
from nnviz.codegen import training_script
from nnviz.features import FEATURES, PLAIN, FeatureMap
from nnviz.figures import playground as figures
from nnviz.figures.training import learning_curves
from nnviz.live import EVAL_SAMPLES, LatestModel, RunState, Snapshot, model_copy, on_model
from nnviz.losses import LOSSES
from nnviz.models import model_spec
from nnviz.network_view import Pick, PlaneGrid
from nnviz.optimizers import OPTIMIZERS
from nnviz.playground import (
    MAX_BUTTON_WIDTH,
    MAX_HIDDEN_LAYERS,
    add_layer,
    format_activations,
    format_hidden,
    n_parameters,
    parse_activations,
    parse_hidden,
    playground_config,
    remove_layer,
    resize_layer,
)
from nnviz.toys import PROBLEMS, TOY_EXTENT, make_toy
from nnviz.user_data import UserData
from ui import state
from ui.training import TICK_S, LiveTraining

TRAINING = LiveTraining("playground")
THUMBNAILS = PlaneGrid(resolution=12)
PLANE = PlaneGrid(resolution=60)
DATA_KEY, PICK_KEY, CLICK_KEY = "playground_points", "playground_pick", "playground_clicked"
PAINT_KEY, PAINT_VALUE_KEY = "playground_paint", "playground_paint_value"
CLICK_RADIUS = 0.4
MAPS_S = 0.1  # redraw period of the maps while training (on the live canvas: plotly managed 2.5 redraws/s)
PLANE_HEIGHT = 380

view = state.view()
ui.page_header(
    "Playground",
    "A small network learns to separate points in the plane, live. Every square in the network is one neuron's "
    "output over the whole plane: watch the hidden neurons combine simple boundaries into the shape of the data. "
    "Click a weight to change it, click the plane to add points of your own.",
    (r"\hat y = " if PROBLEMS[view["problem"]].task == "regression" else r"\hat y = \operatorname{softmax}")
    + r"\big(W^{(L)} f(\cdots f(W^{(1)} \phi(x_1, x_2) + b^{(1)}) \cdots) + b^{(L)}\big)",
)


@st.cache_resource(max_entries=16, show_spinner=False)
def toy(problem: str, n: int, noise: float, train: float, seed: int, classes: int | None):
    """The toy's points, shared read-only by every visitor who asks for the same ones."""
    return make_toy(problem, n_samples=n, noise=noise, train_fraction=train, seed=seed, n_classes=classes)


def class_count(problem: str) -> int | None:
    low, high = PROBLEMS[problem].class_range
    return view["classes"] if high > low else None


def take_yours() -> None:
    """Switching to your own data starts from the toy's points, to edit."""
    if view["data"] == "yours" and DATA_KEY not in st.session_state:
        problem = view["problem"]
        points = toy(problem, view["points"], view["noise"], view["train"], ui.seed(), class_count(problem))
        st.session_state[DATA_KEY] = UserData.from_dataset(points)


def clicked_plane(key: str) -> None:
    """A click on the plane adds a point of the chosen class there, or removes the point under it."""
    where = figures.clicked_position(st.session_state[key].selection)
    data: UserData | None = st.session_state.get(DATA_KEY)
    if where is None or data is None:
        return
    with ui.explain_errors():
        if data.nearest(*where, CLICK_RADIUS) is not None:
            st.session_state[DATA_KEY] = data.remove_near(*where, CLICK_RADIUS)
        elif data.is_regression:
            st.session_state[DATA_KEY] = data.add(*where, st.session_state.get(PAINT_VALUE_KEY, 0.5))
        else:
            st.session_state[DATA_KEY] = data.add(*where, min(st.session_state.get(PAINT_KEY, 0), data.n_classes - 1))
        st.session_state[CLICK_KEY] = True


def clicked_network(key: str) -> None:
    """A click on a weight, a bias or a neuron picks it (to edit it, or to show its map large)."""
    pick = figures.picked(st.session_state[key].selection)
    if pick is not None:
        st.session_state[PICK_KEY] = pick


def edit_layers(edit, *args) -> None:
    """A +/− button: ``edit(widths, *args)`` goes into the typed widths (and the URL); each layer keeps its
    activation, and a removed layer's goes with it."""
    hidden = edit(parse_hidden(view["hidden"]), *args)
    activation = view["activation"]
    view["hidden"] = format_hidden(hidden)
    view["acts"] = format_activations(parse_activations(view["acts"], len(hidden), activation), activation)


def choose_activation(layer: int, key: str) -> None:
    """Hidden layer ``layer``'s activation select: its choice goes into ``acts`` (and the URL)."""
    activation = view["activation"]
    activations = list(parse_activations(view["acts"], len(parse_hidden(view["hidden"])), activation))
    activations[layer - 1] = st.session_state[key]
    view["acts"] = format_activations(activations, activation)


def every_layer_alike() -> None:
    """The activation of every hidden layer was chosen: no layer keeps its own."""
    view["acts"] = ""


def small_button(icon: str, key: str, tip: str, *args, disabled: bool) -> None:
    st.button(icon, key=key, help=tip, on_click=edit_layers, args=args, disabled=disabled, type="tertiary")


def architecture(hidden: tuple[int, ...], activations: tuple[str, ...]) -> None:
    """TensorFlow Playground's controls: +/− hidden layers (0 to 6), +/− neurons of each (1 to 8), an activation
    per layer. They edit the typed widths above, which stay the fast way to any architecture."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="playground_layers"):
        small_button(
            ":material/remove:",
            "playground_layer_remove",
            "Remove the last hidden layer",
            remove_layer,
            disabled=not hidden,
        )
        st.markdown(f"**{len(hidden)}** hidden layer{'' if len(hidden) == 1 else 's'}", width="content")
        small_button(
            ":material/add:",
            "playground_layer_add",
            "Add a hidden layer",
            add_layer,
            disabled=len(hidden) >= MAX_HIDDEN_LAYERS,
        )
    options = trainable_activations()
    for layer, (width, name) in enumerate(zip(hidden, activations, strict=True), start=1):
        with st.container(horizontal=True, vertical_alignment="center", gap="small", key=f"playground_layer_{layer}"):
            small_button(
                ":material/remove:",
                f"playground_neurons_remove_{layer}",
                f"One neuron less in layer {layer}",
                resize_layer,
                layer,
                -1,
                disabled=width <= 1,
            )
            st.markdown(f"layer {layer}: **{width}**", width="content")
            small_button(
                ":material/add:",
                f"playground_neurons_add_{layer}",
                f"One neuron more in layer {layer}",
                resize_layer,
                layer,
                +1,
                disabled=width >= MAX_BUTTON_WIDTH,
            )
            key = f"playground_act_{layer}"
            st.session_state[key] = name  # what the URL says (a typed or linked change included)
            st.selectbox(
                f"Activation of hidden layer {layer}",
                options,
                format_func=lambda key: ACTIVATIONS[key].label,
                key=key,
                on_change=choose_activation,
                args=(layer, key),
                label_visibility="collapsed",
            )


# --- settings ---------------------------------------------------------------------------------------------------

settings, main = st.columns([1, 3.4], gap="medium")
with settings:
    view.radio(
        "data",
        "Data",
        format_func=lambda key: {"toy": "A toy problem", "yours": "Your own points"}[key],
        horizontal=True,
        on_change=take_yours,
    )
    problem = view.selectbox("problem", "Problem", format_func=lambda key: PROBLEMS[key].label)
    if view["data"] == "toy":
        if class_count(problem) is not None:
            view.slider("classes", "Classes")
        view.slider("noise", "Noise")
        view.slider("points", "Points")
    view.slider("train", "Training share", help="The rest are test points, drawn with a dark rim.")
    features = view.multiselect(
        "features",
        "Input features",
        format_func=lambda key: FEATURES[key].label,
        help="TensorFlow Playground's feature crosses: what the network is given besides x₁ and x₂.",
    )
    hidden_text = view.text_input(
        "hidden", "Hidden layers (neurons each)", help="Comma-separated, e.g. `4, 4`; empty for no hidden layer."
    )
    activation = view.selectbox(
        "activation",
        "Activation of every hidden layer",
        format_func=lambda key: ACTIVATIONS[key].label,
        on_change=every_layer_alike,
        help="Or choose one per layer below.",
    )
    hidden = activations = None
    with ui.explain_errors():
        hidden = parse_hidden(hidden_text)
        activations = parse_activations(view["acts"], len(hidden), activation)
    if activations is not None:
        architecture(hidden, activations)
    optimizer = view.selectbox("optimizer", "Optimizer", format_func=lambda key: OPTIMIZERS[key].label)
    lr = view.select_slider("lr", "Learning rate η", help="Changes the run from its next step.")
    batch = view.select_slider("batch", "Batch size")
    l1 = view.select_slider("l1", "L1 rate", help="Pushes weights to exactly 0: edges vanish.")
    l2 = view.select_slider("l2", "L2 rate", help="Pulls every weight towards 0 a little each step.")
    yours = st.session_state.get(DATA_KEY) if view["data"] == "yours" else None
    if yours.is_regression if yours is not None else PROBLEMS[problem].task == "regression":
        view.selectbox(
            "loss",
            "Loss",
            format_func=lambda key: LOSSES[key].label,
            help="The mean squared error weighs big misses most; the mean absolute error, every miss alike.",
        )
    epochs = int(view.number_input("epochs", "Epochs", help="Changes the run's length without starting over."))
    discretize = view.toggle("discretize", "Discretize output", help="Only the predicted class, no shades.")
    show_test = view.toggle("test", "Show test points")

dataset = points = run = regression = None
with main, ui.explain_errors():
    if activations is None:
        st.stop()  # the settings column says what is wrong with the architecture
    feature_map = FeatureMap(tuple(features) or PLAIN)
    if view["data"] == "yours":
        take_yours()
        user = st.session_state[DATA_KEY]
        points = user.split(view["train"], seed=ui.seed())
    else:
        points = toy(problem, view["points"], view["noise"], view["train"], ui.seed(), class_count(problem))
    dataset = feature_map.dataset(points)
    regression = points.is_regression
    config = playground_config(
        hidden,
        activations,
        optimizer,
        lr,
        batch,
        epochs,
        l2,
        ui.seed(),
        l1=l1,
        n_in=feature_map.size,
        n_out=1 if regression else points.n_classes,
        task=points.task,
        loss=view["loss"] if points.is_regression else None,
    )
    defines = (view["data"], problem, view["classes"], view["noise"], view["points"], view["train"])
    defines += (feature_map.names, ui.seed(), id(st.session_state.get(DATA_KEY)) if view["data"] == "yours" else 0)
    run = TRAINING.run(defines, config, dataset, observe=LatestModel)
if run is None:
    st.stop()
class_names = None if regression else points.class_names  # a regression's points are coloured by their targets

with settings:
    if view["data"] == "yours":
        user = st.session_state[DATA_KEY]
        if user.is_regression:
            st.slider("A click adds a point with the target y", -1.0, 1.0, 0.5, 0.1, key=PAINT_VALUE_KEY)
        else:
            st.radio(
                "A click adds a point of",
                list(range(user.n_classes)),
                format_func=lambda k: points.class_names[k],
                horizontal=True,
                key=PAINT_KEY,
            )
        upload = st.file_uploader(
            "Or upload a CSV (x1, x2, label), or (x1, x2, y) for a regression",
            type=["csv", "txt"],
            key="playground_csv",
        )
        if upload is not None and st.session_state.get("playground_csv_seen") != upload.file_id:
            st.session_state.playground_csv_seen = upload.file_id
            with ui.explain_errors():
                st.session_state[DATA_KEY] = UserData.from_csv(upload.getvalue())
                st.rerun()
        st.download_button(
            "Download the points (.csv)",
            user.to_csv(),
            file_name="points.csv",
            mime="text/csv",
            icon=":material/download:",
            key="playground_points_csv",
        )
    st.caption(
        f"{config.spec.describe()}: {n_parameters(config.sizes):,} parameters, {LOSSES[config.loss].short} loss, "
        f"{dataset.n_train} training and {dataset.n_test} test points."
    )

with main:
    st.caption(PROBLEMS[problem].description if view["data"] == "toy" else "Your own points.")
    TRAINING.buttons(run)


# --- the live area ----------------------------------------------------------------------------------------------


def edit_parameter(pick: Pick, key: str) -> None:
    """The typed value goes into the run's model; it trains from there at the next step."""
    value = st.session_state[key]  # read here: the function below runs in the run's worker thread
    with ui.explain_errors():
        run.call(on_model(network_view.set_parameter, pick, value))
        TRAINING.edited()


def show_metrics(snapshot: Snapshot) -> None:
    evaluation = snapshot.evaluation
    losses = snapshot.history.batch("loss", max(0, snapshot.history.n_batches - 1))
    waiting = snapshot.state is RunState.WAITING
    cols = st.columns(3 if regression else 4)  # a regression has no accuracy: its test loss is the metric
    cols[0].metric("Step", f"{snapshot.step:,}", help=f"epoch {snapshot.epochs_done} of {snapshot.config.epochs}")
    cols[1].metric("Train loss", f"{losses[-1]:.3f}" if losses else "—", help="of the last batch")
    test_loss = f"{evaluation.split.capitalize()} loss" if evaluation else "Test loss"
    cols[2].metric(
        test_loss, _value(evaluation, "loss"), help=f"{LOSSES[config.loss].short}, up to {EVAL_SAMPLES:,} points"
    )
    if not regression:
        cols[3].metric("Accuracy", f"{100 * evaluation.accuracy:.1f} %" if evaluation else "—", help="test points")
    if snapshot.running:  # one line while it trains, whatever its state: the network below must not jump
        training = f"Training: epoch {snapshot.epoch:,} of {snapshot.config.epochs:,}."
        st.caption("Waiting for a free slot: other visitors are training." if waiting else training)
    if snapshot.stop_reason and snapshot.stop_reason.startswith("diverged"):
        st.error(f"Training diverged at step {snapshot.step}: lower the learning rate and press Reset.")
    elif snapshot.error:
        st.error(f"Training stopped: {snapshot.error}. Press Reset to start again.")


def _value(evaluation, name: str) -> str:
    return f"{getattr(evaluation, name):.3f}" if evaluation is not None else "—"


def maps_figures(model, pick: Pick | None, clickable: bool) -> dict[str, go.Figure]:
    """What the maps area shows of ``model``: the network with every neuron's map ("network"), and the plane
    ("plane": the decision regions, the network's output, or the map of the picked neuron), clickable to add points
    when ``clickable``. Reads no session state: a feed draws them in the server's request threads."""
    thumbnails, plane = network_view.neuron_maps_on(model, feature_map, [THUMBNAILS, PLANE])
    parameters = network_view.layer_parameters(model)
    graph = figures.network_graph(
        [w for w, _ in parameters],
        [b for _, b in parameters],
        feature_map.labels,
        plane.activations,
        maps=[layer.numpy() for layer in thumbnails.layers],
        selected=pick,
        discretize=discretize,
        title="Every neuron over the plane",
        height=PLANE_HEIGHT,
    )
    axis = PLANE.axis.numpy()
    x_train, x_test = points.x_train.numpy(), points.x_test.numpy() if show_test else None
    y_test = points.y_test.numpy() if show_test else None
    if pick is not None and pick.kind == "neuron" and 0 < pick.layer < len(plane.layers) - 1:
        fig = figures.neuron_map(
            axis,
            axis,
            plane.layers[pick.layer][pick.i].numpy(),
            name=pick.symbol,
            x_train=x_train,
            t_train=points.y_train.numpy(),
            x_test=x_test,
            t_test=y_test,
            class_names=class_names,
            discretize=discretize,
            title=f"Neuron {pick.symbol} over the plane",
            height=PLANE_HEIGHT,
        )
    elif regression:
        fig = figures.regression_map(
            axis,
            axis,
            plane.layers[-1][0].numpy(),
            x_train,
            points.y_train.numpy(),
            x_test,
            y_test,
            discretize=discretize,
            title="Network output",
            height=PLANE_HEIGHT,
        )
    else:
        fig = figures.class_regions(
            axis,
            axis,
            plane.probabilities().numpy(),
            x_train,
            points.y_train.numpy(),
            x_test,
            y_test,
            class_names=points.class_names,
            discretize=discretize,
            title="Decision regions",
            height=PLANE_HEIGHT,
        )
    return {"network": graph, "plane": figures.add_click_layer(fig, TOY_EXTENT) if clickable else fig}


def draw_maps(snapshot: Snapshot) -> None:
    """The network with every neuron's map, and the plane: what moves while training, on the live canvas, which
    fetches them every MAPS_S from the area's feed (or, without one, the area reruns that often); a stopped run's
    are plotly charts (the same figures, with plotly's hover and tools)."""
    if st.session_state.pop(CLICK_KEY, False):
        st.rerun()  # new points: a new run

    observer = TRAINING.observer
    latest = observer.model if snapshot.running else None  # no waiting for the worker's slice to end
    model = latest if latest is not None else TRAINING.model(run)
    sizes = model_spec(model).sizes  # neurons per layer, input to output
    pick: Pick | None = st.session_state.get(PICK_KEY)
    if pick is not None and (pick.layer >= len(sizes) or pick.i >= sizes[pick.layer]):
        pick = st.session_state[PICK_KEY] = None  # the architecture changed under it
    clickable = view["data"] == "yours"
    drawn = functools.partial(maps_figures, pick=pick, clickable=clickable)

    def fed(_: Snapshot) -> dict[str, go.Figure]:
        latest = observer.model  # read once: the worker replaces it after every slice
        return drawn(latest if latest is not None else run.call(model_copy))

    feed = TRAINING.feed(run, "maps", fed, every=MAPS_S)
    shown = drawn(model)
    show = functools.partial(ui.show_run_figure, live=snapshot.running)
    left, right = st.columns([1.25, 1], gap="small")
    with left:
        show(shown["network"], key="playground_network", on_select=clicked_network, feed=feed and feed("network"))
        if pick is not None and pick.kind in ("weight", "bias"):
            key = f"playground_edit_{pick.kind}_{pick.layer}_{pick.i}_{pick.j}"
            st.number_input(
                f"{pick.symbol} (the network trains on from the value you type)",
                -network_view.EDIT_LIMIT,
                network_view.EDIT_LIMIT,
                value=float(network_view.parameter(model, pick)),
                step=0.1,
                key=key,
                on_change=edit_parameter,
                args=(pick, key),
            )
    with right:
        show(
            shown["plane"],
            key="playground_plane",
            on_select=clicked_plane if clickable else None,
            feed=feed and feed("plane"),
        )
        hints = ["Click to add a point, or on a point to remove it."] if clickable else []
        if pick is not None and pick.kind == "neuron" and 0 < pick.layer < len(sizes) - 1:
            hints.append("Click an output neuron to see the decision regions again.")
        if hints:
            st.caption(" ".join(hints))  # under the plot: in its title, they ran past a narrow column's edge


def curves_figure(snapshot: Snapshot) -> dict[str, dict]:
    """The learning curves of ``snapshot`` (a figure dict, as "curves"). Reads no session state (a feed draws it)."""
    batch_records, epoch_records = snapshot.history.columns("batch"), snapshot.history.columns("epoch")
    loss_name = LOSSES[snapshot.config.loss].short
    return {
        "curves": learning_curves(
            batch_records, epoch_records, snapshot.batches_per_epoch, loss_name=loss_name, height=260
        )
    }


def draw_curves(snapshot: Snapshot) -> None:
    """The learning curves: on the live canvas while training, fetched from the area's feed."""
    feed = TRAINING.feed(run, "curves", curves_figure, every=TICK_S)
    figure = curves_figure(snapshot)["curves"]
    ui.show_run_figure(figure, key="playground_loss", live=snapshot.running, feed=feed and feed("curves"))


with main:
    TRAINING.live(run, show_metrics)
    TRAINING.live(run, draw_maps, every=MAPS_S, part="maps", fed=True)
    TRAINING.live(run, draw_curves, part="curves", fed=True)


# --- hidden space and export --------------------------------------------------------------------------------------

model = TRAINING.model(run)
wide = [layer for layer, size in enumerate(config.sizes[1:-1], start=1) if size >= 2]
with st.expander("Hidden space: the data as a hidden layer sees it", icon=":material/transform:"):
    if not wide:
        st.info("Give the network a hidden layer of at least 2 neurons to see its space.")
    else:
        layer = st.selectbox("Hidden layer", wide, format_func=lambda k: f"layer {k}", key="playground_space_layer")
        all_points = points.x_train.numpy()
        space = network_view.hidden_space(model, feature_map, all_points, layer)
        st.caption(
            "Each point and each line of the plane's grid, mapped through the network to this layer's first two "
            f"neurons, at step {run.snapshot.step:,} (ConvNetJS's transformed space): training bends the plane "
            "until a straight line separates the classes."
        )
        ui.show_figure(
            figures.hidden_space_figure(space, points.y_train.numpy(), class_names=class_names),
            key="playground_space",
        )

st.download_button(
    "Download the model (.pt)",
    network_view.model_bytes(model, feature_map),
    file_name="playground_model.pt",
    icon=":material/download:",
    key="playground_model_file",
    help="state_dict and architecture; torch.load(..., weights_only=True) reads it.",
)
toy_settings = {"noise": view["noise"], "train_fraction": view["train"], "n_samples": view["points"]}
if class_count(problem) is not None:
    toy_settings["n_classes"] = class_count(problem)
ui.code_expander(
    training_script(run.snapshot.config, problem, seed=ui.seed(), features=feature_map, **toy_settings)
    if view["data"] == "toy"
    else training_script(run.snapshot.config, "your points", features=feature_map, points=points)
)
ui.next_concept()
