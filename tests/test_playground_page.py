"""The Playground page driven headless: every control checked against the run's model and data."""

import base64

import numpy as np
import pytest
import torch

from nnviz import network_view
from nnviz.network_view import Pick
from nnviz.user_data import UserData, UserDataError
from tests.apptest import click, open_page, plotly_specs

PAGE = "app_pages/playground.py"


@pytest.fixture(scope="module")
def page():
    """One page session shared by the tests (each AppTest run costs seconds); each test sets what it needs."""
    at = open_page(PAGE)
    assert not at.exception and not at.error
    return at


def run_of(at):
    return at.session_state["playground_run"]


def array(value) -> np.ndarray:
    """A plotly array as sent: a list, or {"dtype", "bdata"[, "shape"]} (numpy arrays travel as binary)."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).copy()
        shape = value.get("shape")
        return flat.reshape([int(s) for s in str(shape).split(",")]) if shape else flat
    return np.asarray(value, dtype=float)


def test_a_feature_cross_adds_its_input_column(page):
    at = page
    at.multiselect(key="pg_features").set_value(["x1", "x2", "x1_x2"]).run()
    assert not at.exception and not at.error
    run = run_of(at)
    assert run.snapshot.config.sizes[0] == 3
    x = run.call(lambda trainer: trainer.x_train.clone())
    torch.testing.assert_close(x[:, 2], x[:, 0] * x[:, 1])
    at.multiselect(key="pg_features").set_value(["x1", "x2"]).run()
    assert run_of(at).snapshot.config.sizes[0] == 2


def test_an_edited_weight_is_in_the_model(page):
    at = page
    pick = Pick("weight", 1, 2, 1)
    at.session_state["playground_pick"] = pick
    at.run()
    key = f"playground_edit_weight_{pick.layer}_{pick.i}_{pick.j}"
    at.number_input(key=key).set_value(1.25).run()
    assert not at.exception and not at.error
    assert run_of(at).call(lambda trainer: network_view.parameter(trainer.model, pick)) == pytest.approx(1.25)
    at.session_state["playground_pick"] = None
    at.run()


def test_a_picked_neurons_map_is_the_hidden_layers_output_on_the_grid(page):
    at = page
    at.text_input(key="pg_hidden").set_value("3").run()
    at.selectbox(key="pg_activation").set_value("tanh").run()
    neuron = at.session_state["playground_pick"] = Pick("neuron", 1, 2)
    at.run()
    assert not at.exception and not at.error
    shown = next(trace for spec in plotly_specs(at) for trace in spec["data"] if trace.get("name") == neuron.symbol)
    z, axis = array(shown["z"]), torch.as_tensor(array(shown["x"]), dtype=torch.float32)
    grid = torch.stack([axis.repeat(len(axis)), axis.repeat_interleave(len(axis))], dim=1)  # row = x₂
    first = run_of(at).call(lambda trainer: next(m for m in trainer.model.modules() if isinstance(m, torch.nn.Linear)))
    expected = torch.tanh(first(grid))[:, 2].reshape(len(axis), len(axis))
    np.testing.assert_allclose(z, expected.detach().numpy(), atol=1e-5)
    at.session_state["playground_pick"] = None
    at.text_input(key="pg_hidden").set_value("4, 4").run()


BAD_CSVS = {
    "blank": b"\n\n",
    "no points": b"x1,x2,label\n",
    "columns": b"a,b,c\n1,2,0\n",
    "not a number": b"x1,x2,label\n1,abc,0\n",
    "nan": b"x1,x2,label\n1,nan,0\n0,1,1\n",
    "infinite": b"x1,x2,label\ninf,1,0\n0,1,1\n",
    "one class": b"x1,x2,label\n1,1,0\n0,1,0\n",
    "too many": b"x1,x2,label\n" + b"0.1,0.2,0\n0.3,0.4,1\n" * 60_000,
}


def test_your_own_points_are_added_and_removed_by_a_click_and_bad_csvs_are_refused(page):
    at = page
    at.radio(key="pg_data").set_value("yours").run()
    assert not at.exception and not at.error
    before: UserData = at.session_state["playground_points"]
    click(at, "playground_plane", [{"x": 2.9, "y": -2.9, "curve_number": 9, "point_number": 0}])
    assert not at.exception
    added: UserData = at.session_state["playground_points"]
    assert len(added) == len(before) + 1 and np.allclose(added.points[-1], [2.9, -2.9])
    assert run_of(at).snapshot.config.sizes[0] == 2 and run_of(at).snapshot.step == 0  # a new run on the new data
    click(at, "playground_plane", [{"x": 2.9, "y": -2.9, "curve_number": 9, "point_number": 0}])
    assert len(at.session_state["playground_points"]) == len(before)

    kept = at.session_state["playground_points"]
    for kind, data in BAD_CSVS.items():
        with pytest.raises(UserDataError) as refused:
            UserData.from_csv(data)
        at.file_uploader(key="playground_csv").upload(f"{kind}.csv", data, "text/csv").run()
        assert any(str(refused.value) in error.value for error in at.error), kind
        assert at.session_state["playground_points"] is kept, kind
    at.file_uploader(key="playground_csv").upload("good.csv", b"x1,x2,label\n1,1,0\n-1,-1,1\n0,1,2\n", "text/csv")
    at.run()
    assert len(at.session_state["playground_points"]) == 3 and at.session_state["playground_points"].n_classes == 3


def test_three_classes_train_on_crossed_features(page):
    at = page
    at.radio(key="pg_data").set_value("toy").run()
    at.selectbox(key="pg_problem").set_value("spiral-k").run()
    at.slider(key="pg_classes").set_value(3).run()
    at.multiselect(key="pg_features").set_value(["x1", "x2", "sin_x1", "sin_x2"]).run()
    at.button(key="playground_step").click().run()
    assert not at.exception and not at.error
    snapshot = run_of(at).snapshot
    assert snapshot.config.sizes[0] == 4 and snapshot.config.sizes[-1] == 3 and snapshot.step >= 1
    x = run_of(at).call(lambda trainer: trainer.x_train.clone())
    torch.testing.assert_close(x[:, 2:], torch.sin(x[:, :2]))
