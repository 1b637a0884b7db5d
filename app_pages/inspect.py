"""Inside the MNIST network: draw a digit and watch the network read it; its weights, its mistakes, its training.

It looks at the network the Train page trains (the same live run, from its latest snapshot), or at a freshly
built one when nothing was trained yet. Every picture is computed from a copy of the run's model.
"""

import plotly.graph_objects as go
import streamlit as st
import torch

import ui
from nnviz import checkpoints, inspection
from nnviz.drawing import prepare_drawing
from nnviz.figures import inspection as figures
from nnviz.figures.probabilities import probability_bars
from nnviz.live import Snapshot, model_copy, on_model
from ui import state
from ui.training import LiveTraining, tutorial_data

TRAINING = LiveTraining("train")  # the Train page's run
DRAWING_KEY, CANVAS_KEY, CELL_KEY = "inspect_drawing", "inspect_canvas_version", "inspect_cell"
PREDICTIONS_KEY = "inspect_predictions"
TEST_SAMPLES = 2_000  # test images the mistakes are looked for in (bounded: a prediction pass stays ~50 ms)
CANVAS_SIDE = 280
WEIGHTS_S = 1.0  # how often the weights are redrawn while the run trains

view = state.view()

ui.page_header(
    "Inside the MNIST network",
    "Draw a digit and see what the network sees: the 28×28 input, every hidden unit's activation and the ten "
    "probabilities. Then look at what it has learnt — the pattern each first-layer unit looks for — and at its "
    "mistakes.",
    r"p(\text{digit}=k \mid x) = \operatorname{softmax}\big(W_2\, \operatorname{ReLU}(W_1 x + b_1) + b_2\big)_k",
)

run = TRAINING.current
dataset = None
with ui.explain_errors():
    if run is None or not run.alive:
        dataset, config, _ = tutorial_data("002", ui.seed())
        run = TRAINING.run(("002", ui.seed(), dataset.name), config, dataset, observe=inspection.TrainingHistograms)
    else:
        dataset = tutorial_data(TRAINING.defines[0], run.snapshot.config.seed)[0]
if dataset is None:
    st.stop()
if dataset.image_shape is None:
    st.warning(
        "The Train page's network reads tabular data (make_classification), not images: choose tutorial 002, 003 "
        "or 004 there to look inside an MNIST network.",
        icon=":material/image_not_supported:",
    )
    st.page_link("app_pages/train.py", label="Train page", icon=":material/model_training:")
    st.stop()

snapshot = run.snapshot
model = TRAINING.model(run)
if snapshot.step == 0:
    st.info(
        "This network has not been trained yet, so its guesses are near chance: train it on the Train page and come "
        "back — this page follows that run.",
        icon=":material/info:",
    )
    st.page_link("app_pages/train.py", label="Train it", icon=":material/model_training:")
shape = dataset.image_shape
names = list(dataset.class_names)
st.caption(
    f"{snapshot.config.spec.describe()} on {dataset.name}, step {snapshot.step:,} "
    f"({snapshot.state.value}); {dataset.n_test:,} test images."
)
if dataset.name == "digits":
    st.info(
        "MNIST is not on this machine, so this network learnt scikit-learn's 8×8 digits (download MNIST on the "
        "Train page): your drawing is shrunk to 8×8 the way those were made, 4×4 blocks of a 32×32 bitmap.",
        icon=":material/info:",
    )
elif dataset.name != "mnist":
    st.info(
        f"This network learnt {dataset.name} (classes: {', '.join(names)}), not handwritten digits: a drawing is "
        "read as one of those classes, so draw their outline (a shoe, a bag, a shirt) or load MNIST on the Train "
        "page.",
        icon=":material/info:",
    )

# --- 1. draw a digit --------------------------------------------------------------------------------------------

st.subheader("Draw a digit")
canvas_column, input_column, bars_column = st.columns([1.1, 1, 1.4], gap="medium")
with canvas_column:
    from streamlit_drawable_canvas import st_canvas  # registers its component: only inside a running app

    canvas = st_canvas(
        stroke_width=22,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_SIDE,
        width=CANVAS_SIDE,
        return_image_data=True,
        key=f"inspect_canvas_{st.session_state.get(CANVAS_KEY, 0)}",
    )
    image = getattr(canvas, "image_data", None) if canvas is not None else None
    if image is not None:
        st.session_state[DRAWING_KEY] = image
    if st.button("Clear", icon=":material/ink_eraser:", key="inspect_clear"):
        st.session_state.pop(DRAWING_KEY, None)
        st.session_state[CANVAS_KEY] = st.session_state.get(CANVAS_KEY, 0) + 1  # a new, empty canvas
        st.rerun()
drawing = None
with ui.explain_errors():
    drawing = prepare_drawing(st.session_state[DRAWING_KEY], shape) if DRAWING_KEY in st.session_state else None
if drawing is None:
    input_column.info("Draw a digit on the black square: the network reads it as you draw.", icon=":material/draw:")
else:
    x = drawing.features.reshape(1, -1)
    probabilities = inspection.class_probabilities(model, x)[0]
    guess = int(probabilities.argmax())
    with input_column:
        ui.show_figure(figures.input_image(drawing.image.numpy(), height=300), key="inspect_input")
    with bars_column:
        ui.show_figure(
            probability_bars(names, probabilities, marked=guess, title=f"The network reads: {names[guess]}"),
            key="inspect_probabilities",
        )
    ui.show_figure(
        figures.hidden_activations(inspection.layer_activations(model, x), title="Every hidden unit's activation"),
        key="inspect_drawn_activations",
    )
    with st.expander("How your drawing became the input (as MNIST was made)", icon=":material/tune:"):
        st.caption(
            "The ink is cropped to its box, scaled so that its longer side is 20 px (keeping the aspect), and "
            "pasted into 28×28 with its centre of mass at the centre; pixels in [0, 1], as the training images."
        )
        ui.show_figure(figures.drawing_steps(drawing), key="inspect_steps")

# --- 2. weights as pictures -------------------------------------------------------------------------------------


def weight_figure(model: torch.nn.Module, step: int) -> go.Figure:
    """The first layer's weights of ``model`` (the run's at ``step``) as one picture per hidden unit."""
    weights = inspection.first_layer_weights(model, shape).numpy()
    return figures.weight_mosaic(weights, title=f"First-layer weights at step {step:,}")


def fed_weights(live: Snapshot) -> dict[str, go.Figure]:
    """The weights as the run has them now, for the area's feed: reads no session state (a feed draws it in the
    server's request threads), so it asks the run for a copy of its model itself."""
    return {"weights": weight_figure(run.call(model_copy), live.step)}


def draw_weights(live: Snapshot) -> None:
    """The weights of the run's latest snapshot: on the live canvas while it trains, fetched from the area's feed
    about once a second; a plotly chart, hovering with each unit and weight, once it stops."""
    feed = TRAINING.feed(run, "inspect_weights", fed_weights, every=WEIGHTS_S)
    figure = weight_figure(TRAINING.model(run), live.step)
    ui.show_run_figure(figure, key="inspect_weights", live=live.running, feed=feed and feed("weights"))
    if live.running:
        st.caption("They change while the run trains: pause it on the Train page to hover over them.")


st.subheader("What the first layer looks for")
TRAINING.live(run, draw_weights, every=WEIGHTS_S, part="inspect_weights", fed=True)

# --- 3. mistakes ------------------------------------------------------------------------------------------------

st.subheader("Its guesses and its mistakes")
n_test = min(TEST_SAMPLES, dataset.n_test)
cached = st.session_state.get(PREDICTIONS_KEY)
if cached is None or cached[0] is not model:  # once per model copy, not at every stroke on the canvas
    cached = (model, inspection.predict(model, dataset.x_test[:n_test], dataset.y_test[:n_test]))
    st.session_state[PREDICTIONS_KEY] = cached
predictions = cached[1]
images = dataset.x_test[:n_test].reshape(n_test, *shape).numpy()
ui.show_figure(
    figures.top_k_predictions(
        images[:12], predictions.probabilities[:12].numpy(), predictions.true[:12].numpy(), names, k=3
    ),
    key="inspect_top3",
)
left, right = st.columns([1, 1.2], gap="medium")


def pick_cell() -> None:
    cell = figures.clicked_cell(st.session_state.inspect_confusion.selection.points)
    st.session_state[CELL_KEY] = cell


with left:
    ui.show_figure(
        figures.clickable_confusion_matrix(
            predictions.true.numpy(),
            predictions.predicted.numpy(),
            names,
            selected=st.session_state.get(CELL_KEY),
            title=f"Confusion matrix ({n_test:,} test images): click a cell",
        ),
        key="inspect_confusion",
        on_select=pick_cell,
        selection_mode="points",
    )
with right:
    cell = st.session_state.get(CELL_KEY)
    most_confident = view.radio("order", "Order", horizontal=True).startswith("most")
    if cell is None:
        shown, title = predictions.mistakes(most_confident), f"Misclassified ({100 * (1 - predictions.accuracy):.1f} %)"
    else:
        shown = predictions.in_cell(*cell)
        shown = shown if most_confident else shown.flip(0)
        title = f"True {names[cell[0]]}, predicted {names[cell[1]]}: {len(shown)} images"
    columns = 8 if max(len(name) for name in names) <= 2 else 4  # digits' captions fit a small tile; clothes' do not
    shown = shown[: 4 * columns]
    ui.show_figure(
        figures.mistake_gallery(
            images[shown.numpy()],
            predictions.true[shown].numpy(),
            predictions.predicted[shown].numpy(),
            predictions.confidence[shown].numpy(),
            names,
            columns=columns,
            title=title,
        ),
        key="inspect_gallery",
    )
    if cell is not None and st.button("Back to all mistakes", key="inspect_all_mistakes"):
        st.session_state.pop(CELL_KEY, None)
        st.rerun()

# --- 4. activations and training histograms ---------------------------------------------------------------------

st.subheader("Inside, image by image and over training")
if view["image"] > n_test - 1:
    view["image"] = n_test - 1
index = int(view.number_input("image", "Test image", max_value=n_test - 1))
left, right = st.columns([1, 3], gap="medium")
with left:
    ui.show_figure(
        figures.input_image(images[index], title=f"Test image {index}: {names[int(dataset.y_test[index])]}"),
        key="inspect_test_image",
    )
with right:
    ui.show_figure(
        figures.hidden_activations(inspection.layer_activations(model, dataset.x_test[index : index + 1])),
        key="inspect_test_activations",
    )
recorder = TRAINING.observer.recorder if TRAINING.observer is not None else None
if recorder is None or not recorder.steps:
    st.info("Train the network to record its weights and gradients as it learns.", icon=":material/insights:")
else:
    ui.show_figure(figures.training_histograms(recorder), key="inspect_histograms")
    ui.show_figure(figures.inactive_units(recorder), key="inspect_inactive")

# --- 5. save and load -------------------------------------------------------------------------------------------

st.subheader("Keep it")
left, right = st.columns(2, gap="medium")
left.download_button(
    "Download the trained model (.pt)",
    checkpoints.dumps(model),
    file_name=f"{snapshot.config.spec.describe().split()[0]}_{snapshot.step}.pt",
    icon=":material/download:",
    key="inspect_save",
    help="The state_dict and the architecture; torch.load(path, weights_only=True) reads it.",
)
upload = right.file_uploader(
    f"Load a model of the same architecture ({checkpoints.MAX_CHECKPOINT_BYTES // 2**20} MB at most)",
    type=["pt", "pth"],
    key="inspect_load",
)
if upload is not None and st.session_state.get("inspect_loaded") != upload.file_id:
    with right, ui.explain_errors():
        loaded = checkpoints.loads(upload.getvalue(), expected=snapshot.config.spec)
        run.call(on_model(torch.nn.Module.load_state_dict, loaded.state_dict()))
        TRAINING.edited()
        st.session_state.inspect_loaded = upload.file_id
        st.success("Loaded: the run trains on from these weights.", icon=":material/upload:")
ui.next_concept()
