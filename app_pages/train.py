"""Train a network live: the tutorials' runs (make_classification, the MNIST MLPs), in real PyTorch.

The run trains in a background worker (ui.training / nnviz.live); this page sends it commands and draws what it
publishes. The learning rate and the number of epochs change the run from its next step; the tutorial and the
seed define it.
"""

import functools

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ui
from nnviz import inspection
from nnviz.codegen import training_script
from nnviz.figures import training as figures
from nnviz.figures.data import image_grid
from nnviz.image_files import download_images
from nnviz.live import RunState, Snapshot
from nnviz.losses import LOSSES
from nnviz.models import format_sizes
from nnviz.optimizers import OPTIMIZERS
from nnviz.playground import n_parameters
from nnviz.recipes import RECIPES, comparison
from ui import state
from ui.training import TICK_S, LiveTraining, forget_tutorial_data, tutorial_data

TRAINING = LiveTraining("train")
IMAGES_SHOWN = 12
PICTURES_S = 1.0  # how often the pictures of the live evaluation are redrawn while training
# How often the progress bar and the metrics are redrawn while training (the curves: 2.5 times a second). Their area
# reruns to redraw, which re-renders the whole page in the browser: at 2.5 times a second that took 0.50 of a core of
# Chromium, at once a second 0.32-0.36, and the run beside it trained at 0.74-0.88x the one-thread headless run
# instead of 0.69-0.83x (2026-12-07, two rounds each).
PROGRESS_S = 1.0

view = state.view()
ui.page_header(
    "Train a network",
    "Everything so far at once: each mini-batch flows **forward**, its loss is **backpropagated** and the "
    "optimizer takes a **step** — thousands of times, while the loss falls. These are the tutorials' own runs.",
    r"\theta \leftarrow \theta - \eta\, \nabla_\theta \frac{1}{B} \sum_{i \in B} L\big(f_\theta(x_i), y_i\big)",
)


def tutorial_defaults() -> None:
    """A newly chosen tutorial starts from its own learning rate and number of epochs."""
    config = RECIPES[view["tutorial"]].config
    view["lr"], view["epochs"] = config.lr, config.epochs


def download_mnist(place) -> None:
    """Download MNIST into the user cache with a progress bar, then reload the tutorial's data."""
    bar = place.progress(0.0, text="Connecting to torchvision's MNIST mirrors…")
    with ui.explain_errors():
        download_images("mnist", progress=lambda fraction, text: bar.progress(fraction, text=text))
        forget_tutorial_data()
        st.rerun()


settings, main = st.columns([1, 3.2], gap="medium")
with settings:
    tutorial = view.selectbox(
        "tutorial",
        "Which tutorial's run",
        format_func=lambda key: f"{key}: {format_sizes(RECIPES[key].config.sizes)}",
        on_change=tutorial_defaults,
    )
    recipe = RECIPES[tutorial]
    st.caption(recipe.title)
dataset = run = None
with main, ui.explain_errors():
    dataset, config, note = tutorial_data(tutorial, ui.seed())
if dataset is None:
    st.stop()

with settings:
    lr = view.select_slider("lr", "Learning rate η", help="Changes the run from its next step.")
    epochs = int(view.number_input("epochs", "Epochs", help="Changes the run's length without starting over."))
    st.caption(
        f"{config.spec.describe()}, {LOSSES[config.loss].short} loss, {OPTIMIZERS[config.optimizer].label}, "
        f"batch {config.batch_size or 'all samples'}. " + " ".join(recipe.notes)
    )
if note or dataset.message:
    main.info(note or dataset.message, icon=":material/info:")
if recipe.dataset == "mnist" and dataset.name != "mnist":
    with main:
        place = st.empty()
        if place.button(
            "Download MNIST (11 MB, MD5-checked, into your cache)",
            icon=":material/download:",
            key="train_download",
            help="torchvision's own mirrors; without a network this fails within seconds and the data above stays.",
        ):
            download_mnist(place)

with main, ui.explain_errors():
    config = config.__class__.from_dict(config.to_dict() | {"lr": lr, "epochs": epochs})
    run = TRAINING.run((tutorial, ui.seed(), dataset.name), config, dataset, observe=inspection.TrainingHistograms)
if run is None:
    st.stop()
TRAINING.buttons(run, main)


def show_progress(snapshot: Snapshot) -> None:
    evaluation = snapshot.evaluation
    split = evaluation.split if evaluation is not None else ("test" if dataset.n_test else "train")
    state_text = snapshot.state.value if snapshot.state is not RunState.WAITING else "waiting for a free slot…"
    st.progress(
        snapshot.progress,
        text=f"{state_text} · epoch {snapshot.epoch} of {snapshot.config.epochs} · batch {snapshot.batch_in_epoch} of "
        f"{snapshot.batches_per_epoch} · {snapshot.samples_per_second:,.0f} samples/s · "
        f"{dataset.n_train:,} training and {dataset.n_test:,} test samples · "
        f"{n_parameters(snapshot.config.sizes):,} parameters",
    )
    losses = snapshot.history.batch("loss", max(0, snapshot.history.n_batches - 1))
    subset = f"{len(evaluation.labels):,} {split} samples" if evaluation is not None else f"the {split} split"
    cols = st.columns(4)
    cols[0].metric("Step", f"{snapshot.step:,}", help=f"{snapshot.epochs_done} epochs done")
    cols[1].metric("Train loss (last batch)", f"{losses[-1]:.4f}" if losses else "—")
    cols[2].metric(
        f"{split.capitalize()} loss",  # the subset's size goes in the help: a longer label is cut with "…"
        f"{evaluation.loss:.4f}" if evaluation else "—",
        help=f"On a fixed subset ({subset}), refreshed about once a second while training; the full split "
        "is evaluated at every epoch's end (the curves' diamonds).",
    )
    cols[3].metric(f"{split.capitalize()} accuracy", f"{100 * evaluation.accuracy:.1f} %" if evaluation else "—")
    if snapshot.error:
        st.error(f"Training stopped: {snapshot.error}. Press Reset to start again.", icon=":material/error:")
    elif snapshot.stop_reason and snapshot.stop_reason.startswith("diverged"):
        st.error(
            f"Training diverged at step {snapshot.step}: the loss became NaN or infinite — lower the learning "
            f"rate (now {snapshot.config.lr:g}) and press Reset. The curves up to that step are kept.",
            icon=":material/error:",
        )
    elif snapshot.stop_reason:
        st.success(f"Stopped: {snapshot.stop_reason}.", icon=":material/done:")
    elif snapshot.done:
        st.success(f"Done: {snapshot.config.epochs} epochs.", icon=":material/done:")


def show_comparison(snapshot: Snapshot) -> None:
    """The tutorial's printed numbers beside this run's, once the run has ended (each column names its data)."""
    key = ("train_comparison", snapshot.version)
    if st.session_state.get("train_comparison_key") != key:
        rows = run.call(functools.partial(comparison, recipe), timeout=30)
        st.session_state.train_comparison, st.session_state.train_comparison_key = rows, key
    header, *rows = st.session_state.train_comparison
    st.markdown(f"**Tutorial {tutorial}'s numbers beside this run's**")
    st.dataframe(pd.DataFrame(rows, columns=list(header)), hide_index=True)


def curve_figures(snapshot: Snapshot) -> dict[str, dict]:
    """The loss and accuracy curves of ``snapshot`` ("loss", "accuracy"). Reads no session state: a feed draws
    them in the server's request threads."""
    batch, epoch = snapshot.history.columns("batch"), snapshot.history.columns("epoch")
    per_epoch, loss_name = snapshot.batches_per_epoch, LOSSES[snapshot.config.loss].short
    return {
        "loss": figures.learning_curves(batch, epoch, per_epoch, loss_name=loss_name, height=300),
        "accuracy": figures.learning_curves(batch, epoch, per_epoch, metric="accuracy", height=300, legend=False),
    }


def picture_figures(snapshot: Snapshot) -> dict[str, go.Figure | dict]:
    """The test images with their predictions ("images", for image data), the confusion matrix ("confusion")
    and the gradient norms ("grads") of ``snapshot``: the first two once it has a live evaluation. Reads no
    session state: a feed draws them in the server's request threads."""
    evaluation, drawn = snapshot.evaluation, {}
    if evaluation is not None and dataset.image_shape is not None:
        x = (dataset.x_test if evaluation.split == "test" else dataset.x_train)[evaluation.rows]
        drawn["images"] = image_grid(
            x[:IMAGES_SHOWN],
            evaluation.labels[:IMAGES_SHOWN],
            n=IMAGES_SHOWN,
            image_shape=dataset.image_shape,
            class_names=dataset.class_names,
            predictions=evaluation.predicted[:IMAGES_SHOWN],
            columns=6,
            title="Test images and the network's guesses (wrong: true → guess, in red)",
        )
    if evaluation is not None:
        drawn["confusion"] = figures.confusion_matrix(
            evaluation.labels,
            evaluation.predicted,
            dataset.class_names,
            title=f"Confusion matrix ({len(evaluation.labels):,} {evaluation.split} samples)",
            height=440,
        )
    batch = snapshot.history.columns("batch")
    drawn["grads"] = figures.gradient_norms(batch, snapshot.history.layer_names, snapshot.batches_per_epoch, height=440)
    return drawn


def show_curves(snapshot: Snapshot) -> None:
    """The curves, side by side: on the live canvas while training, fetched from the area's feed."""
    feed = TRAINING.feed(run, "curves", curve_figures, every=TICK_S)
    drawn = curve_figures(snapshot)
    for column, name in zip(st.columns(2, gap="medium"), ("loss", "accuracy"), strict=True):
        with column:
            ui.show_run_figure(drawn[name], key=f"train_{name}", live=snapshot.running, feed=feed and feed(name))


def show_pictures(snapshot: Snapshot) -> None:
    """The test images with their predictions, the confusion matrix and the gradient norms: on the live canvas
    while training, fetched from the area's feed about once a second (as often as the live evaluation changes)."""
    feed = TRAINING.feed(run, "pictures", picture_figures, every=PICTURES_S)
    drawn = picture_figures(snapshot)

    def show(name: str) -> None:
        ui.show_run_figure(drawn[name], key=f"train_{name}", live=snapshot.running, feed=feed and feed(name))

    if "images" in drawn:
        show("images")
    left, right = st.columns(2, gap="medium")
    if "confusion" in drawn:
        with left:
            show("confusion")
    with right if "confusion" in drawn else left:
        show("grads")


def show_state(snapshot: Snapshot) -> None:
    show_progress(snapshot)
    if snapshot.done:
        show_comparison(snapshot)


with main:
    TRAINING.live(run, show_state, every=PROGRESS_S)
    TRAINING.live(run, show_curves, part="curves", fed=True)
    TRAINING.live(run, show_pictures, every=PICTURES_S, part="pictures", fed=True)

data_args = {"test_size": 0} if dataset.n_test == 0 else {"root": dataset.root} if dataset.root else {}
script = training_script(run.snapshot.config, dataset.name, seed=ui.seed(), **data_args)
ui.code_expander(script)
st.download_button(
    "Download the script (.py)",
    script,
    file_name=f"tutorial_{tutorial}.py",
    mime="text/x-python",
    icon=":material/download:",
    key="train_script",
)
ui.next_concept()
