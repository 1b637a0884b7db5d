"""Links that hold the state: the URL round-trip of ui.state, classroom links that hide controls, bad links.

The fields themselves are checked first (text form, bounds), then the app headless with AppTest, whose
``query_params`` play the browser's address bar.
"""

from __future__ import annotations

import logging
import math

import pytest
import torch
from streamlit.testing.v1 import AppTest

from tests.apptest import APP, TIMEOUT_S, open_page, plotly_specs, query
from ui import lecture, state
from ui.registry import HOME, all_pages
from ui.state import Bool, Choice, Choices, Float, FloatPair, Int, Text

# --- fields ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "texts"),
    [
        (Float(1.5, -5.0, 5.0, 0.1), 2.0, ["2"]),
        (Float(1.5, -5.0, 5.0, 0.1), 0.1 + 0.2, ["0.3"]),
        (Float(0.01, 0.0, 1.0), 1e-5, ["1e-05"]),
        (Int(0, 0, 2**31 - 1), 7, ["7"]),
        (Bool(False), True, ["1"]),
        (Text("8, 8", 20), "16, 4", ["16, 4"]),
        (Choice("Adam", ("SGD", "Adam")), "SGD", ["SGD"]),
        (Choice(0.03, (0.001, 0.03, 0.1)), 0.001, ["0.001"]),
        (Choices(("SGD",), ("SGD", "Adam", "RMSprop")), ["Adam", "SGD"], ["Adam", "SGD"]),
        (Choices(("SGD",), ("SGD", "Adam")), [], [""]),
        (FloatPair((0.0, 0.0), -2.0, 2.0), (0.5, -1.25), ["0.5", "-1.25"]),
    ],
)
def test_fields_write_compact_text_that_reads_back(field, value, texts):
    assert field.encode(value) == texts
    decoded = field.decode(texts)
    assert field.encode(decoded) == texts
    if isinstance(value, float):
        assert decoded == pytest.approx(value)


@pytest.mark.parametrize(
    ("field", "texts"),
    [
        (Float(1.5, -5.0, 5.0), ["abc"]),
        (Float(1.5, -5.0, 5.0), ["5.01"]),
        (Float(1.5, -5.0, 5.0), ["nan"]),
        (Float(1.5, -5.0, 5.0), ["inf"]),
        (Int(0, 0, 10), ["2.5"]),
        (Int(0, 0, 10), ["inf"]),
        (Int(0, 0, 10), ["-1"]),
        (Bool(), ["maybe"]),
        (Text("", 3), ["abcd"]),
        (Choice("SGD", ("SGD", "Adam")), ["Lion"]),
        (Choices((), ("SGD", "Adam")), ["SGD,SGD"]),
        (Choices((), ("SGD", "Adam")), ["SGD,Lion"]),
        (FloatPair((0.0, 0.0), -2.0, 2.0), ["1"]),
        (FloatPair((0.0, 0.0), -2.0, 2.0), ["1,3"]),
    ],
)
def test_fields_reject_malformed_and_out_of_bounds_text(field, texts):
    with pytest.raises(ValueError, match=r"."):
        field.decode(texts)


def test_fields_read_the_forms_people_type():
    assert Bool().decode(["true"]) is True and Bool(True).decode(["off"]) is False
    assert Choice(0.03, (0.001, 0.03)).decode(["0.030"]) == 0.03
    assert Choice("Adam", ("SGD", "Adam")).decode(["adam"]) == "Adam"
    assert Choices((), ("SGD", "Adam")).decode(["Adam,SGD"]) == ["Adam", "SGD"]
    assert FloatPair((0.0, 0.0), -2.0, 2.0).decode(["0.5,-1"]) == (0.5, -1.0)
    assert Int(0, 0, 10).decode(["3.0"]) == 3


def test_declarations_check_their_defaults_and_names():
    with pytest.raises(ValueError, match="default"):
        Float(9.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="default"):
        Choice("Lion", ("SGD", "Adam"))
    with pytest.raises(ValueError, match="reserved"):
        state.Fields("x", hide=Bool())


# --- deep links --------------------------------------------------------------------------------------------------


def test_link_builds_checked_urls():
    assert state.link(HOME.path, w=5.0) == "/?w=5"
    assert state.link(HOME.path, w=-0.5, seed=3, hide=("w",)) == "/?w=-0.5&seed=3&hide=w"
    assert state.link("app_pages/neuron.py") == "/neuron"
    with pytest.raises(KeyError, match="no field 'weight'"):
        state.link(HOME.path, weight=5.0)
    with pytest.raises(ValueError, match="from -5 to 5"):
        state.link(HOME.path, w=9.0)
    with pytest.raises(KeyError, match="cannot hide"):
        state.link(HOME.path, hide=("lr",))


def test_every_page_has_a_talking_point_and_valid_lessons():
    assert [spec.path for spec, _ in lecture.outline()] == [spec.path for spec in all_pages()]
    for spec, talk in lecture.outline():
        assert talk.point
        for lesson in talk.lessons:
            state.query(spec.path, hide=lesson.hide, **lesson.values)  # raises on a wrong name or value


# --- the app -----------------------------------------------------------------------------------------------------


def _open(query: dict | None = None) -> AppTest:
    """A fresh session opening the app's Home page with ``query`` in its URL."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.query_params.update(query or {})
    return at.run()


def _neuron_point(at: AppTest) -> tuple[float, float]:
    """The (x, a) of the highlighted point on Home's neuron chart."""
    _, point = plotly_specs(at)[0]["data"]
    return point["x"][0], point["y"][0]


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_defaults_keep_the_url_empty():
    at = _open()
    _clean(at)
    assert at.query_params == {}


def test_url_round_trips_home_and_the_seed():
    at = _open()
    at.slider(key="home_w").set_value(2.3)
    at.slider(key="home_b").set_value(-1.0)
    at.sidebar.number_input(key="seed").set_value(5).run()
    _clean(at)
    assert at.query_params == {"w": "2.3", "b": "-1", "seed": "5"}

    copied = _open(at.query_params)
    _clean(copied)
    assert copied.slider(key="home_w").value == pytest.approx(2.3)
    assert copied.slider(key="home_b").value == pytest.approx(-1.0)
    assert copied.slider(key="home_x").value == pytest.approx(1.0)
    assert copied.sidebar.number_input(key="seed").value == 5
    assert copied.query_params == at.query_params
    x, a = _neuron_point(copied)
    assert a == pytest.approx(torch.sigmoid(torch.tensor(2.3 * x - 1.0)).item(), abs=1e-6)


def test_the_link_control_shows_the_views_url_and_its_embed_variant():
    at = _open({"w": "2", "presenter": "1"})
    codes = [code.value for code in at.sidebar.code]
    assert codes == ["/?presenter=1&w=2", "/?presenter=1&w=2&embed=true"]


def test_bad_and_unknown_parameters_are_ignored_with_a_notice():
    at = _open({"w": "abc", "b": "99", "x": "nan", "seed": "-3", "presenter": "maybe", "foo": "1", "hide": "nope"})
    _clean(at)
    notice = " ".join(toast.value for toast in at.toast)
    for name in ("w=abc", "b=99", "x=nan", "seed=-3", "presenter=maybe", "foo", "hide=nope"):
        assert name in notice
    assert at.slider(key="home_w").value == pytest.approx(1.5)
    assert at.sidebar.number_input(key="seed").value == 0
    assert at.query_params == {}, "the URL shows the view, without what was ignored"
    at.run()
    assert not at.toast, "the notice comes once, with the link"


def test_no_widget_is_told_its_value_twice(monkeypatch):
    # Streamlit warns (once per process) when a widget gets a default and a Session State value.
    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(policies.__name__)
    logger.addHandler(handler)
    try:
        at = _open({"w": "2", "seed": "4"})
        at.slider(key="home_b").set_value(1.0).run()
    finally:
        logger.removeHandler(handler)
    assert not [r for r in records if "Session State API" in r.getMessage()]


def test_a_classroom_link_hides_controls_and_keeps_their_values():
    at = _open({"w": "-2", "seed": "3", "hide": "w,seed"})
    _clean(at)
    assert [s.key for s in at.slider] == ["home_b", "home_x"], "the hidden slider is not drawn"
    assert not at.sidebar.number_input, "the hidden seed box is not drawn"
    x, a = _neuron_point(at)
    assert a == pytest.approx(torch.sigmoid(torch.tensor(-2.0 * x)).item(), abs=1e-6), "w = -2 still applies"
    assert at.session_state["seed"] == 3
    assert any("hides them" in caption.value and "`seed`, `w`" in caption.value for caption in at.caption)
    at.slider(key="home_x").set_value(2.0).run()
    assert at.query_params == {"w": "-2", "seed": "3", "x": "2", "hide": ["seed", "w"]}

    at.button(key="state_show_hidden").click().run()
    assert at.slider(key="home_w").value == pytest.approx(-2.0)
    assert at.sidebar.number_input(key="seed").value == 3
    assert "hide" not in at.query_params


def test_presenter_mode_opens_from_a_link():
    at = _open({"presenter": "1"})
    _clean(at)
    assert at.sidebar.toggle(key="presenter").value is True
    assert any("font-size: 20px" in element.proto.body for element in at.get("html"))


def test_a_link_within_the_session_sets_the_whole_page_and_keeps_the_app_fields():
    at = _open()
    at.slider(key="home_b").set_value(2.0)
    at.sidebar.toggle(key="presenter").set_value(True)
    at.sidebar.number_input(key="seed").set_value(9).run()
    lesson = lecture.TALKS[HOME.path].lessons[0]
    at.query_params = state.query(HOME.path, **lesson.values)  # what the outline's page link navigates to
    at.run()
    _clean(at)
    assert at.slider(key="home_w").value == pytest.approx(lesson.values["w"])
    assert at.slider(key="home_b").value == pytest.approx(lesson.values["b"])
    assert at.slider(key="home_x").value == pytest.approx(1.0), "a field the link leaves out returns to its default"
    assert at.sidebar.number_input(key="seed").value == 9, "the app-wide fields stay as they were"
    assert at.sidebar.toggle(key="presenter").value is True


def test_switching_pages_neither_carries_nor_loses_a_pages_state():
    at = _open({"w": "3"})
    at.query_params = {}  # the navigation clears the URL's parameters on a page switch
    at.switch_page("app_pages/activations.py").run()
    _clean(at)
    assert "w" not in at.query_params and not at.toast
    at.query_params = {}
    at.switch_page(HOME.path).run()
    assert at.slider(key="home_w").value == pytest.approx(3.0), "Home comes back as it was left"
    assert at.query_params == {"w": "3"}


def test_the_neuron_chart_follows_a_linked_state():
    at = _open({"w": "4", "b": "-2", "x": "0.5"})
    x, a = _neuron_point(at)
    assert x == pytest.approx(0.5)
    assert a == pytest.approx(1 / (1 + math.exp(-(4 * 0.5 - 2))), abs=1e-6)


def _page_with_every_kind_of_control():
    """A page (run by AppTest) declaring a field of each kind, a control for each, and clicked state."""
    import streamlit as st

    from ui import state
    from ui.state import Bool, Choice, Choices, Fields, FloatPair, Int, Text

    fields = Fields(
        "demo",
        tab=Choice("Explore", ("Explore", "Race")),
        opt=Choice("Adam", ("SGD", "Momentum", "Adam")),
        steps=Int(200, 1, 1000, 50),
        layers=Text("8, 8", 40),
        arrows=Bool(True),
        race=Choices(("SGD", "Adam"), ("SGD", "Momentum", "Adam")),
        lr=Choice(0.03, (0.001, 0.01, 0.03, 0.1)),
        preset=Choice("good", ("too small", "good", "too large")),
        start=FloatPair((1.0, -1.0), -2.0, 2.0),
    )
    view = state.open_view("app_pages/descent.py", fields)
    view.show_notices()

    def start_here() -> None:
        view["start"] = (0.5, -1.5)

    explore, race = view.tabs("tab")
    with explore:
        view.selectbox("opt", "optimizer")
        view.number_input("steps", "steps")
        view.text_input("layers", "hidden layers")
        view.checkbox("arrows", "gradient arrow")
        st.button("Start here", key="demo_pick", on_click=start_here)
    with race:
        view.multiselect("race", "optimizers")
        view.select_slider("lr", "learning rate")
        view.radio("preset", "learning rate preset")
    st.write(f"start = {view['start']}")


def _open_every_kind(query: dict | None = None) -> AppTest:
    at = AppTest.from_function(_page_with_every_kind_of_control, default_timeout=TIMEOUT_S)
    at.query_params.update(query or {})
    return at.run()


def test_every_kind_of_control_and_clicked_state_round_trip():
    at = _open_every_kind()
    assert at.query_params == {}
    at.selectbox(key="demo_opt").set_value("SGD")
    at.number_input(key="demo_steps").set_value(350)
    at.text_input(key="demo_layers").input("16, 4")
    at.checkbox(key="demo_arrows").uncheck()
    at.multiselect(key="demo_race").set_value(["Momentum"])
    at.select_slider(key="demo_lr").set_value(0.1)
    at.radio(key="demo_preset").set_value("too large")
    at.session_state["demo_tab"] = "Race"  # what a click on the tab does
    at.run()
    at.button(key="demo_pick").click().run()
    _clean(at)
    expected = {
        "tab": "Race",
        "opt": "SGD",
        "steps": "350",
        "layers": "16, 4",
        "arrows": "0",
        "race": "Momentum",
        "lr": "0.1",
        "preset": "too large",
        "start": ["0.5", "-1.5"],
    }
    assert at.query_params == expected

    copied = _open_every_kind(at.query_params)
    _clean(copied)
    assert copied.session_state["demo_tab"] == "Race"
    assert copied.selectbox(key="demo_opt").value == "SGD"
    assert copied.number_input(key="demo_steps").value == 350
    assert copied.text_input(key="demo_layers").value == "16, 4"
    assert copied.checkbox(key="demo_arrows").value is False
    assert copied.multiselect(key="demo_race").value == ["Momentum"]
    assert copied.select_slider(key="demo_lr").value == 0.1
    assert copied.radio(key="demo_preset").value == "too large"
    assert "start = (0.5, -1.5)" in [md.value for md in copied.markdown]
    assert copied.query_params == expected


def test_hand_typed_lists_and_pairs_are_read_and_bad_ones_reported():
    at = _open_every_kind({"race": "Adam,SGD", "start": "0.25,1", "lr": "0.010", "steps": "5000"})
    _clean(at)
    assert at.multiselect(key="demo_race").value == ["Adam", "SGD"]
    assert at.select_slider(key="demo_lr").value == 0.01
    assert "start = (0.25, 1.0)" in [md.value for md in at.markdown]
    assert at.number_input(key="demo_steps").value == 200
    assert "steps=5000" in at.toast[0].value
    assert at.query_params == {"race": ["Adam", "SGD"], "lr": "0.01", "start": ["0.25", "1"]}


def test_declared_fields_belong_to_registered_pages_and_do_not_shadow_the_app_wide_ones():
    registered = {spec.path for spec in all_pages()}
    for path in state.PAGES:
        assert path in registered
        assert state.query(path) == {}  # raises if a page field is named like an app-wide one


def test_the_activations_page_round_trips_through_its_url():
    at = open_page("app_pages/activations.py")
    _clean(at)
    at.multiselect(key="act_selected").set_value(["tanh", "relu"])
    at.slider(key="act_range").set_value((-3.0, 4.5))
    at.toggle(key="act_show_derivative").set_value(False)
    at.text_input(key="act_logits").input("1, 2, 3")
    at.slider(key="act_temperature").set_value(2.0).run()
    _clean(at)
    at.slider(key="act_probe").set_value(-2.5).run()
    _clean(at)
    link = query(at)
    assert link["selected"] == ["tanh", "relu"] and link["range"] == ["-3", "4.5"] and link["temperature"] == "2"

    copied = open_page("app_pages/activations.py", link)
    _clean(copied)
    assert copied.multiselect(key="act_selected").value == ["tanh", "relu"]
    assert copied.slider(key="act_range").value == (-3.0, 4.5)
    assert copied.toggle(key="act_show_derivative").value is False
    assert copied.text_input(key="act_logits").value == "1, 2, 3"
    assert copied.slider(key="act_temperature").value == pytest.approx(2.0)
    assert copied.slider(key="act_probe").value == pytest.approx(-2.5)
    assert query(copied) == link


def test_a_malformed_activations_link_is_ignored_with_a_notice():
    at = open_page("app_pages/activations.py", {"range": "abc", "selected": "nope", "bogus": "1"})
    assert not at.exception
    assert at.slider(key="act_range").value == (-6.0, 6.0)
    assert at.multiselect(key="act_selected").value == ["sigmoid"]
    notice = " ".join(toast.value for toast in at.toast)  # the quiet notice of what was ignored
    assert "range" in notice and "selected" in notice and "bogus" in notice


def test_the_neuron_page_round_trips_its_neuron_and_its_perceptron():
    at = open_page("app_pages/neuron.py")
    _clean(at)
    at.radio(key="neuron_n").set_value(3).run()
    at.slider(key="neuron_w3").set_value(2.5)
    at.selectbox(key="neuron_gate").set_value("XOR").run()
    at.button(key="perceptron_epoch").click().run()
    _clean(at)
    link = query(at)
    assert link == {"n": "3", "w3": "2.5", "gate": "XOR", "step": "4"}
    copied = open_page("app_pages/neuron.py", link)
    _clean(copied)
    assert copied.radio(key="neuron_n").value == 3 and copied.slider(key="neuron_w3").value == pytest.approx(2.5)
    assert copied.selectbox(key="neuron_gate").value == "XOR"
    assert any(metric.value == "4" for metric in copied.metric)  # the perceptron at its linked step (its end hidden)


def test_every_lesson_of_the_outline_opens_its_state():
    from ui.lecture import TALKS

    for path, talk in TALKS.items():
        for lesson in talk.lessons:
            at = open_page(path, state.query(path, hide=lesson.hide, **lesson.values))
            _clean(at)
            assert not at.toast, f"{lesson.label}: {[toast.value for toast in at.toast]}"
            assert not at.exception and not at.error, f"{lesson.label}: {[e.value for e in at.error]}"


def test_the_losses_page_round_trips_through_its_url():
    at = open_page("app_pages/losses.py")
    _clean(at)
    at.selectbox(key="loss_kind").set_value("mse")
    at.radio(key="loss_label").set_value(0)
    at.slider(key="loss_prediction").set_value(0.9)
    at.selectbox(key="loss_preset").set_value("One confident mistake")
    at.slider(key="loss_z2").set_value(3.0)
    at.selectbox(key="loss_target").set_value(2).run()
    _clean(at)
    link = query(at)
    assert link == {
        "kind": "mse",
        "label": "0",
        "prediction": "0.9",
        "preset": "One confident mistake",
        "z2": "3",
        "target": "2",
    }
    copied = open_page("app_pages/losses.py", link)
    _clean(copied)
    assert copied.selectbox(key="loss_kind").value == "mse" and copied.radio(key="loss_label").value == 0
    assert copied.slider(key="loss_z2").value == pytest.approx(3.0) and copied.selectbox(key="loss_target").value == 2
    assert copied.selectbox(key="loss_preset").value == "One confident mistake"


def test_the_inspect_page_opens_a_linked_test_image_and_order():
    at = open_page("app_pages/inspect.py", {"image": "7", "order": "least confident first"})
    assert not at.exception and not at.toast
    assert at.number_input(key="inspect_image").value == 7
    assert at.radio(key="inspect_order").value == "least confident first"
    assert any(spec["layout"]["title"]["text"].startswith("Test image 7:") for spec in plotly_specs(at))
