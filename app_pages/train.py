"""Train a network live: the tutorials' runs and a TensorFlow-Playground-like 2-D playground, in real PyTorch."""

import os
from dataclasses import replace

import pandas as pd
import streamlit as st

import ui
from nnviz import datasets, playground
from nnviz.activations import ACTIVATIONS, trainable_activations
from nnviz.codegen import training_script
from nnviz.figures import training as figures
from nnviz.figures.data import image_grid
from nnviz.losses import LOSSES
from nnviz.models import format_sizes
from nnviz.optimizers import OPTIMIZERS
from nnviz.recipes import RECIPES, compare, data_seed, prepare
from nnviz.training import Trainer

TICK_S = 0.25  # the live fragment reruns this often while training
SLICE_S = 0.2  # training time per tick, so Pause always answers within a fraction of a second
PLAYGROUND = "playground"
TRAINER: ui.PerUser[Trainer] = ui.PerUser("train")

ui.page_header(
    "Train a network",
    "Everything so far at once: each mini-batch flows **forward**, its loss is **backpropagated** and the "
    "optimizer takes a **step** — thousands of times, while the loss falls and the decision regions take shape.",
    r"\theta \leftarrow \theta - \eta\, \nabla_\theta \frac{1}{B} \sum_{i \in B} L\big(f_\theta(x_i), y_i\big)",
)


@st.cache_resource(show_spinner="Making the data…", max_entries=16)
def toy_data(kind: str, noise: float, train_fraction: float, seed: int) -> datasets.Dataset:
    return datasets.load_dataset(kind, seed=seed, noise=noise, train_fraction=train_fraction)


@st.cache_resource(show_spinner="Loading the tutorial's data (MNIST-size data takes a few seconds)…", max_entries=6)
def _recipe_data(tutorial: str, seed: int, data_dir: str | None):
    return prepare(RECIPES[tutorial], data_dir=data_dir, seed=seed)


def recipe_data(tutorial: str, seed: int, data_dir: str | None):
    """The recipe's (dataset, config, substitution note), shared by every user; cached on the seed only where the
    data depends on it (MNIST's images do not) and on ``data_dir`` ($NNVIZ_DATA)."""
    dataset, config, note = _recipe_data(tutorial, data_seed(RECIPES[tutorial], seed), data_dir)
    return dataset, replace(config, seed=seed), note


def preset_label(key: str) -> str:
    return (
        "Playground (2-D toys)" if key == PLAYGROUND else f"Tutorial {key}: {format_sizes(RECIPES[key].config.sizes)}"
    )


# --- controls that define the run (a change rebuilds the trainer) -------------------------------------------------

settings, main = st.columns([1, 3.4], gap="medium")
preset = settings.selectbox("What to train", [PLAYGROUND, *RECIPES], format_func=preset_label, key="train_preset")
seed = ui.seed()
config = trainer = None
with main, ui.explain_errors():
    if preset == PLAYGROUND:
        with settings:
            kind = st.selectbox("Dataset", list(datasets.TOYS), key="train_toy")
            noise = st.slider("Noise", 0.0, 0.5, 0.0, 0.05, key="train_noise")
            train_fraction = st.slider("Training share", 0.1, 0.9, 0.5, 0.1, key="train_fraction")
            hidden_text = st.text_input(
                "Hidden layers", "8, 8", key="train_hidden", help="Widths, e.g. 8, 8 (empty: none)."
            )
            activation = st.selectbox(
                "Activation",
                trainable_activations(),
                index=trainable_activations().index("tanh"),
                format_func=lambda name: ACTIVATIONS[name].label,
                key="train_activation",
            )
            optimizer = st.selectbox(
                "Optimizer",
                list(OPTIMIZERS),
                index=list(OPTIMIZERS).index("adam"),
                format_func=lambda name: OPTIMIZERS[name].label,
                key="train_optimizer",
            )
            lr = st.select_slider("Learning rate η", playground.LEARNING_RATES, 0.03, key="train_lr")
            batch_size = st.select_slider("Batch size", playground.BATCH_SIZES, 10, key="train_batch")
            epochs = int(st.number_input("Epochs", 1, 5000, 200, 50, key="train_epochs"))
            l2 = st.select_slider("L2 penalty λ", (0.0, 1e-4, 1e-3, 1e-2, 0.1), 0.0, key="train_l2")
        dataset = toy_data(kind, noise, train_fraction, seed)
        hidden = playground.parse_hidden(hidden_text)
        config = playground.playground_config(hidden, activation, optimizer, lr, batch_size, epochs, l2, seed)
        script_args = dict(noise=noise, train_fraction=train_fraction)
        note, data_key = None, (kind, noise, train_fraction, seed)
    else:
        recipe = RECIPES[preset]
        dataset, recipe_config, note = recipe_data(preset, seed, os.environ.get("NNVIZ_DATA"))
        with settings:
            st.caption(recipe.title)
            lr = st.select_slider(
                "Learning rate η", playground.LEARNING_RATES, recipe_config.lr, key=f"train_lr_{preset}"
            )
            epochs = int(st.number_input("Epochs", 1, 1000, recipe_config.epochs, key=f"train_epochs_{preset}"))
            st.caption(
                f"{recipe_config.spec.describe()}, {LOSSES[recipe_config.loss].short} loss, "
                f"{OPTIMIZERS[recipe_config.optimizer].label}, batch {recipe_config.batch_size or 'all samples'}. "
                + " ".join(recipe.notes)
            )
        config = type(recipe_config).from_dict(recipe_config.to_dict() | {"lr": lr, "epochs": epochs})
        script_args = {"test_size": 0} if recipe.dataset == "make-classification" else {}
        data_key = (preset, seed, os.environ.get("NNVIZ_DATA"))
    if note or dataset.message:
        st.info(note or dataset.message, icon=":material/info:")
    trainer = TRAINER.get(
        (data_key, config),
        lambda: Trainer(config, dataset),
        on_rebuild=lambda: [st.session_state.pop(key, None) for key in ("train_goal", "train_shown")],
    )
if trainer is None:
    st.stop()


# --- Play / Pause / Step / Reset: callbacks flip session-state flags; the fragment below does the work ---------------


def play() -> None:
    st.session_state.train_goal = "play"


def pause() -> None:
    st.session_state.train_goal = None


def step_batch() -> None:
    st.session_state.train_goal = None
    TRAINER.current.step(1)


def step_epoch() -> None:
    st.session_state.train_goal = "epoch"


def reset() -> None:
    st.session_state.train_goal = None
    TRAINER.current.reset()
    st.session_state.pop("train_shown", None)


goal = st.session_state.get("train_goal")
running = goal is not None and not trainer.done
buttons = main.columns(5)
buttons[0].button(
    "Play",
    key="train_play",
    icon=":material/play_arrow:",
    on_click=play,
    disabled=running or trainer.done,
    type="primary",
    width="stretch",
)
buttons[1].button(
    "Pause", key="train_pause", icon=":material/pause:", on_click=pause, disabled=not running, width="stretch"
)
buttons[2].button(
    "Batch",
    key="train_step",
    icon=":material/skip_next:",
    on_click=step_batch,
    disabled=trainer.done,
    help="One optimizer step on one mini-batch.",
    width="stretch",
)
buttons[3].button(
    "Epoch",
    key="train_epoch",
    icon=":material/fast_forward:",
    on_click=step_epoch,
    disabled=running or trainer.done,
    help="Train to the end of the current epoch.",
    width="stretch",
)
buttons[4].button("Reset", key="train_reset", icon=":material/restart_alt:", on_click=reset, width="stretch")


@st.fragment(run_every=TICK_S if running else None)
def live() -> None:
    """One tick: train for a slice (when playing), then redraw the numbers and the charts."""
    trainer = TRAINER.current
    goal = st.session_state.get("train_goal")
    if goal is not None and not trainer.done:
        playground.advance(trainer, SLICE_S, until_epoch_end=goal == "epoch")
        if trainer.done or (goal == "epoch" and trainer.batch_in_epoch == 0):
            st.session_state.train_goal = None
            st.rerun()  # the buttons and the timer follow the new state
    show_progress(trainer)
    show_charts(trainer)


def show_progress(trainer: Trainer) -> None:
    batch = trainer.history.batch
    test_loss, test_accuracy = trainer.evaluate("test")
    split = "test"
    if dataset.n_test == 0:  # tutorial 000 trains on all its samples
        test_loss, test_accuracy = trainer.evaluate("train")
        split = "train"
    epoch_now = min(trainer.epochs_done + 1, trainer.config.epochs) if trainer.batch_in_epoch else trainer.epochs_done
    st.progress(
        trainer.progress,
        text=f"epoch {epoch_now} of {trainer.config.epochs} · batch {trainer.batch_in_epoch} of "
        f"{trainer.batches_per_epoch} · {playground.samples_per_second(trainer):,.0f} samples/s · "
        f"{dataset.n_train:,} training and {dataset.n_test:,} test samples · "
        f"{playground.n_parameters(trainer.config.sizes):,} parameters",
    )
    cols = st.columns(5)
    cols[0].metric("Epochs done", trainer.epochs_done)
    cols[1].metric("Step", f"{trainer.global_step:,}")
    cols[2].metric("Train loss (last batch)", f"{batch['loss'][-1]:.4f}" if batch["loss"] else "—")
    cols[3].metric(f"{split.capitalize()} loss", f"{test_loss:.4f}")
    cols[4].metric(f"{split.capitalize()} accuracy", f"{100 * test_accuracy:.1f} %")
    reason = trainer.stop_reason
    if reason and reason.startswith("diverged"):
        st.error(
            f"Training diverged at step {trainer.global_step}: the loss became NaN or infinite — lower the learning "
            f"rate (now {trainer.config.lr:g}) to start again. The curves up to that step are kept.",
            icon=":material/error:",
        )
    elif reason:
        st.success(f"Stopped: {reason}.", icon=":material/done:")
    elif trainer.done:
        st.success(
            f"Done: {trainer.config.epochs} epochs, {split} accuracy {100 * test_accuracy:.1f} %.",
            icon=":material/done:",
        )
    if trainer.done and preset != PLAYGROUND:
        st.markdown(f"**Tutorial {preset}'s numbers beside this run's**")
        rows = compare(RECIPES[preset], trainer)
        st.dataframe(pd.DataFrame(rows, columns=["result", "tutorial", "this run"]), hide_index=True)


def show_charts(trainer: Trainer) -> None:
    batch, epoch = trainer.history.frame("batch"), trainer.history.frame("epoch")
    per_epoch = trainer.batches_per_epoch
    loss_name = LOSSES[trainer.config.loss].short
    loss_fig = figures.learning_curves(batch, epoch, per_epoch, loss_name=loss_name, height=270)
    accuracy_fig = figures.learning_curves(batch, epoch, per_epoch, metric="accuracy", height=230, legend=False)
    if dataset.n_features == 2:
        left, right = st.columns([1.2, 1], gap="small")
        with left:
            ui.show_figure(boundary_figure(trainer), key="train_boundary")
            st.caption(
                "Background: the network's probability of blue (orange 0, white ½, blue 1); the black line is the "
                "decision boundary. Points with a dark rim are test points, kept out of training."
            )
        with right:
            ui.show_figure(loss_fig, key="train_loss")
            ui.show_figure(accuracy_fig, key="train_accuracy")
        ui.show_figure(
            figures.gradient_norms(batch, trainer.history.layer_names, per_epoch, height=300), key="train_grads"
        )
        return
    left, right = st.columns(2, gap="medium")
    with left:
        ui.show_figure(loss_fig, key="train_loss")
    with right:
        ui.show_figure(accuracy_fig, key="train_accuracy")
    x_eval, y_eval = (dataset.x_test, dataset.y_test) if dataset.n_test else (dataset.x_train, dataset.y_train)
    predicted = trainer.predict_proba(x_eval).argmax(dim=1)
    if dataset.image_shape is not None:
        ui.show_figure(
            image_grid(
                x_eval[:12],
                y_eval[:12],
                n=12,
                image_shape=dataset.image_shape,
                class_names=dataset.class_names,
                predictions=predicted[:12],
                columns=6,
                title="Test images: true → predicted (red when wrong)",
            ),
            key="train_images",
        )
    left, right = st.columns(2, gap="medium")
    with left:
        ui.show_figure(
            figures.confusion_matrix(
                y_eval,
                predicted,
                dataset.class_names,
                title=f"Confusion matrix ({'test' if dataset.n_test else 'train'})",
                height=460,
            ),
            key="train_confusion",
        )
    with right:
        ui.show_figure(
            figures.gradient_norms(batch, trainer.history.layer_names, per_epoch, height=460), key="train_grads"
        )


def boundary_figure(trainer: Trainer):
    """The decision regions; after a divergence (NaN weights) the last finite picture is kept."""
    gx, gy, proba = trainer.decision_grid(resolution=60)
    if proba.isfinite().all() or "train_shown" not in st.session_state:
        st.session_state.train_shown = (gx, gy, proba[..., 1])
    gx, gy, p1 = st.session_state.train_shown
    return figures.decision_boundary(
        gx,
        gy,
        p1,
        dataset.x_train,
        dataset.y_train,
        dataset.x_test,
        dataset.y_test,
        title=f"Decision regions after {trainer.global_step:,} steps",
        height=440,
    )


with main:
    live()

ui.code_expander(training_script(trainer.config, dataset.name, seed=seed, **script_args))
