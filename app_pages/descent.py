"""Gradient descent on a loss surface: explore one optimizer, race several, learning rates, batch sizes."""

import streamlit as st

import ui
from nnviz import descent, surfaces
from nnviz.figures import descent as figures
from nnviz.optimizers import OPTIMIZERS
from ui import predict, state

view = state.view()
ui.page_header(
    "Gradient descent",
    "Training is a walk downhill on the loss surface: at every step take a small step against the gradient. "
    "Every path below is made by a real `torch.optim` optimizer acting on a 2-element parameter tensor.",
    r"w_{t+1} = w_t - \eta\, \nabla L(w_t)",
)


@st.cache_resource(show_spinner=False, max_entries=16)
def _surface(key: str, condition: float | None, seed: int | None) -> surfaces.Surface:
    return surfaces.make_surface(key, condition=condition or 10.0, seed=seed or 0)


def surface_for(key: str, condition: float, seed: int) -> surfaces.Surface:
    """The shared, read-only surface, cached only on what it depends on (a new seed does not copy the bowl)."""
    return _surface(*surfaces.surface_arguments(key, condition, seed))


@st.cache_data(show_spinner=False, max_entries=32)
def grid_for(key: str, condition: float, seed: int):
    return surfaces.grid(surface_for(key, condition, seed))


@st.cache_data(show_spinner=False, max_entries=256)
def path_for(key: str, condition: float, seed: int, optimizer: str, start, lr, steps, schedule, batch_size, hyper):
    surface = surface_for(key, condition, seed)
    return descent.path(surface, optimizer, start, lr, steps, schedule=schedule, batch_size=batch_size, **dict(hyper))


def hyper_controls(optimizer: str) -> dict[str, float]:
    """A slider for each of the chosen optimizer's own hyperparameters, with the registry's range."""
    return {h.name: view.slider(h.name, h.label, format=h.format) for h in OPTIMIZERS[optimizer].hyper}


def new_surface() -> None:
    view.update(lr=None, w1=None, w2=None, t=0)


def new_rate() -> None:
    view.update(lr=None, t=0)


controls = st.columns([2, 1, 1, 1])
with controls[0]:
    surface_key = view.selectbox(
        "surface",
        "Loss surface",
        format_func=lambda key: surface_for(key, 10.0, ui.seed()).title,
        on_change=new_surface,
    )
condition = 10.0
if surface_key == "bowl":
    with controls[1]:
        condition = view.slider("condition", "condition number κ", on_change=new_rate)
with controls[2]:
    steps = int(view.number_input("steps", "steps"))
with controls[3]:
    schedule = view.selectbox("schedule", "learning-rate schedule")

surface = surface_for(surface_key, condition, ui.seed())
xs, ys, z = grid_for(surface_key, condition, ui.seed())
st.caption(f"**{surface.title}.** {surface.description}")
(x_lo, x_hi), (y_lo, y_hi) = surface.bounds


def start_point() -> tuple[float, float]:
    """The start point of every path: the one set (clamped to this surface), else the surface's own."""
    w1 = surface.start[0] if view["w1"] is None else min(max(view["w1"], x_lo), x_hi)
    w2 = surface.start[1] if view["w2"] is None else min(max(view["w2"], y_lo), y_hi)
    if (w1, w2) != (view["w1"], view["w2"]):
        view.update(w1=w1, w2=w2)
    return w1, w2


def start_from_click() -> None:
    points = st.session_state["descent_contour"].selection.points
    if points:
        view.update(
            w1=min(max(round(points[0]["x"], 2), x_lo), x_hi), w2=min(max(round(points[0]["y"], 2), y_lo), y_hi), t=0
        )


explore, race_tab, lr_tab, batch_tab = view.tabs("tab")

with explore:
    if explore.open:
        left, middle, right = st.columns([1.1, 2.2, 2], gap="medium")
        with left:
            optimizer = view.selectbox(
                "optimizer", "optimizer", format_func=lambda name: OPTIMIZERS[name].label, on_change=new_rate
            )
            suggested = descent.suggested_lr(surface, optimizer)
            if view["lr"] is None:
                view["lr"] = suggested
            lr = view.number_input(
                "lr",
                "learning rate η",
                format="%.5f",
                step=suggested / 4,
                help="Any number: try 0 or a negative one to see why it must be positive.",
            )
            hyper = hyper_controls(optimizer)
            start_point()
            start = (
                view.slider("w1", "start w₁", min_value=x_lo, max_value=x_hi),
                view.slider("w2", "start w₂", min_value=y_lo, max_value=y_hi),
            )
            st.caption("Or click the map to start there.")
            arrows = view.toggle("arrow", "gradient arrow")
            three_d = view.toggle("view3d", "3-D view")
        with ui.explain_errors():
            run = path_for(
                surface_key, condition, ui.seed(), optimizer, start, lr, steps, schedule, None, tuple(hyper.items())
            )
            moved = len(run.points) > 1
            t = 0
            if len(run.points) > 2:
                if view["t"] > len(run.points) - 2:
                    view["t"] = len(run.points) - 2
                with left:
                    t = view.slider("t", "current step t", max_value=len(run.points) - 2)
            detail = descent.step_detail(surface, run.settings, t) if moved else None
            with middle:
                if three_d:
                    ui.show_figure(figures.surface_3d(xs, ys, z, surface, [run], height=460), key="descent_surface3d")
                else:
                    fig = figures.contour_with_paths(
                        xs,
                        ys,
                        z,
                        surface,
                        [run],
                        title=f"{OPTIMIZERS[optimizer].label} on {surface.title}",
                        pickable=True,
                    )
                    if arrows and detail is not None:
                        figures.gradient_arrow(fig, detail.w, detail.grad, surface)
                    ui.show_figure(fig, key="descent_contour", on_select=start_from_click, selection_mode="points")
            with right:
                ui.show_figure(figures.loss_curves([run], surface), key="descent_loss")
            if run.diverged:
                st.warning(
                    f"The path left the surface at step {run.diverged_at}: the learning rate is too large here.",
                    icon=":material/warning:",
                )
            if detail is not None:
                spec = OPTIMIZERS[optimizer]
                lines = descent.update_rule_latex(run.settings, detail)
                rule_col, numbers_col = st.columns([1, 1.4])
                with rule_col:
                    st.markdown(f"**{spec.label} update rule** (`torch.optim.{spec.cls.__name__}`)")
                    for line in lines[: len(spec.rule)]:
                        st.latex(line)
                with numbers_col:
                    st.markdown(f"**Step t = {detail.t} with the numbers torch used** (move *current step t*)")
                    for line in lines[len(spec.rule) :]:
                        st.latex(line)
            ui.code_expander(descent.pytorch_listing(surface, run.settings))

with race_tab:
    if race_tab.open:
        options, scale_col = st.columns([3, 1])
        with options:
            chosen = view.multiselect("race", "optimizers", format_func=lambda name: OPTIMIZERS[name].label)
        with scale_col:
            scale = view.select_slider(
                "scale",
                "learning-rate scale",
                help="Each optimizer starts from a rate that suits it on this surface; this multiplies all of them.",
            )
        start = start_point()
        if not chosen:
            st.info("Pick at least one optimizer to race.", icon=":material/info:")
        with ui.explain_errors():
            runs = [
                path_for(
                    surface_key,
                    condition,
                    ui.seed(),
                    name,
                    start,
                    scale * descent.suggested_lr(surface, name),
                    steps,
                    schedule,
                    None,
                    (),
                )
                for name in chosen
            ]
            finished = [r for r in runs if not r.diverged]
            best = min(finished, key=lambda r: r.final_loss) if finished else None
            if runs:
                race_col, loss_col = st.columns([3, 2], gap="medium")
                with loss_col:  # the question where the loss curves (its answer) show once revealed
                    shown = best is None or predict.ask(
                        predict.Question(
                            predict.key_of("race", surface_key, condition, ui.seed(), chosen, scale, start, steps),
                            f"which optimizer will end the {steps} steps at the lowest loss?",
                            [OPTIMIZERS[r.optimizer].label for r in runs],
                            OPTIMIZERS[best.optimizer].label,
                            "Final losses: "
                            + ", ".join(f"{OPTIMIZERS[r.optimizer].label} {figures.outcome(r)}" for r in runs)
                            + ". Press Play to see how each one got there.",
                        ),
                        reveal_button=True,
                    )
                    if shown:
                        ui.show_figure(figures.loss_curves(runs, surface, height=520), key="descent_race_loss")
                with race_col:
                    ui.show_figure(
                        figures.race(
                            xs, ys, z, surface, runs, title=f"Race on {surface.title} — press Play", outcome=shown
                        ),
                        key="descent_race_fig",
                    )
                if finished and shown:
                    st.caption(
                        f"Lowest final loss: **{OPTIMIZERS[best.optimizer].label}** ({best.final_loss:.4g}). "
                        "Learning rates: "
                        + ", ".join(f"{OPTIMIZERS[r.optimizer].label} {r.lrs[0]:.3g}" for r in runs if len(r.lrs))
                        + ". The start is the one set in Explore."
                    )
                ui.code_expander(
                    descent.pytorch_listing(surface, runs[-1].settings),
                    label=f"PyTorch code ({OPTIMIZERS[chosen[-1]].label}; the others differ only in the optimizer)",
                )

with lr_tab:
    if lr_tab.open:
        bowl = surface_for("bowl", condition, ui.seed())
        presets = descent.learning_rate_presets(condition)
        text_col, fig_col, loss_col = st.columns([1.1, 2.2, 2], gap="medium")
        with text_col:
            choice = view.radio("preset", "learning rate")
            preset = next(p for p in presets if p.name == choice)
            st.latex(rf"\eta = {preset.lr:.3g}")
        runs = {
            p.name: path_for(
                "bowl", condition, ui.seed(), "sgd", bowl.start, p.lr, min(steps, 100), "constant", None, ()
            )
            for p in presets
        }
        question = predict.Question(
            predict.key_of("lr", choice, condition, ui.seed()),
            f"will plain SGD with η = {preset.lr:.3g} converge or diverge?",
            ("converge", "diverge"),
            "diverge" if runs[choice].diverged else "converge",
            preset.lesson,
        )
        if not predict.shown(question):
            with fig_col:  # asked where the path will show
                predict.ask(question, reveal_button=True)
            with loss_col:
                st.caption("The path and the loss curves show once you reveal the answer.")
        else:
            with text_col:
                if not predict.asking():
                    st.info(preset.lesson, icon=":material/lightbulb:")
                st.caption(
                    f"Plain SGD on the bowl with κ = {condition:g}. Along each axis the distance to the minimum is "
                    rf"multiplied by |1 − ηλ| per step (λ = 1 and {condition:g}), so it converges only if η < 2/κ = "
                    f"{2 / condition:.3g}."
                )
            gx, gy, gz = grid_for("bowl", condition, ui.seed())
            with fig_col:
                ui.show_figure(
                    figures.contour_with_paths(
                        gx, gy, gz, bowl, [runs[choice]], title=f"SGD, η = {preset.lr:.3g}: {choice.lower()}"
                    ),
                    key="descent_lr_fig",
                )
            with loss_col:
                curves = figures.loss_curves(
                    list(runs.values()),
                    bowl,
                    title="All four learning rates",
                    labels=[f"{p.name} (η = {p.lr:.3g})" for p in presets],
                )
                ui.show_figure(curves, key="descent_lr_loss")
            predict.ask(question, revealed=True)  # the guess against the answer, under the pictures
            ui.code_expander(descent.pytorch_listing(bowl, runs[choice].settings))

with batch_tab:
    if batch_tab.open:
        model = surface_for("logistic", 10.0, ui.seed())
        text_col, fig_col, loss_col = st.columns([1.1, 2.2, 2], gap="medium")
        with text_col:
            st.markdown(
                "**Batch** gradient descent uses the whole data set for each gradient: stable but slow on big data. "
                "**Stochastic** (SGD) uses one sample: fast but noisy. **Mini-batch** uses a few (32 or 64): "
                "the practical standard, balancing speed and stability."
            )
            batch = view.slider("batch", "mini-batch size B", max_value=model.n_samples // 2)
            batch_lr = view.slider("batch_lr", "learning rate η")
        sizes = [model.n_samples, batch, 1]
        with ui.explain_errors():
            runs = [
                path_for("logistic", 10.0, ui.seed(), "sgd", model.start, batch_lr, min(steps, 300), "constant", b, ())
                for b in sizes
            ]
            mx, my, mz = grid_for("logistic", 10.0, ui.seed())
            with fig_col:
                ui.show_figure(
                    figures.contour_with_paths(
                        mx, my, mz, model, runs, title="Logistic regression: the true BCE surface"
                    ),
                    key="descent_batch_fig",
                )
            with loss_col:
                ui.show_figure(
                    figures.loss_curves(runs, model, title="Full-data loss per step"), key="descent_batch_loss"
                )
            st.caption(
                f"Each point (w₁, w₂) is a classifier σ(w₁x₁ + w₂x₂) on {model.n_samples} make_classification points "
                "(seed from the sidebar); the colours are its true loss on all of them. Each step sees only its batch, "
                "so the smaller the batch the noisier the walk — yet each step costs B/n as much."
            )
            ui.code_expander(
                descent.pytorch_listing(model, runs[1].settings)  # the mini-batch run
            )
ui.next_concept()
