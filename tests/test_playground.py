"""The Train page's settings and live slices: parameter counts against torch, parsing, the budget, slices."""

from __future__ import annotations

import pytest

from nnviz import playground
from nnviz.datasets import load_dataset
from nnviz.models import mlp
from nnviz.training import Trainer


@pytest.mark.parametrize("sizes", [(2, 1), (2, 8, 8, 2), (784, 128, 64, 10), (5, 3, 7, 1)])
def test_parameter_count_is_torchs(sizes):
    assert playground.n_parameters(sizes) == sum(p.numel() for p in mlp(sizes).parameters())


def test_widths_that_arrive_already_parsed_are_bounded_too():
    """A link or a caller can hand widths over without the text box: the same bound holds (999,999 once made the
    decision grid allocate 29 GB)."""
    assert playground.playground_config((256, 256), "relu", "adam", 0.01, 10, 5).sizes == (2, 256, 256, 2)
    with pytest.raises(ValueError, match="keep it from 1 to 256"):
        playground.playground_config((999_999,), "relu", "adam", 0.01, 10, 5)


@pytest.mark.parametrize(
    ("text", "widths"), [("8, 8", (8, 8)), ("8-4", (8, 4)), (" 16 ", (16,)), ("", ()), ("4;4 2", (4, 4, 2))]
)
def test_hidden_layers_parse(text, widths):
    assert playground.parse_hidden(text) == widths


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("8, x", "“x” is not a number"),
        ("8, 0", "keep it from 1 to 256"),
        ("-3", "“-3” is out of range"),  # the sign is read, never dropped
        ("2.5", "not a whole number"),
        ("1,1,1,1,1,1,1", "type from 0 to 6 values, got 7"),
        ("99999", "keep it from 1 to 256"),
        ("², 3", "superscript two"),
        ("9" * 500, "at most 32"),
        ("8" * 20_000, "at most 1,000 are read"),
    ],
)
def test_bad_hidden_layers_are_explained(text, match):
    with pytest.raises(ValueError, match=match):
        playground.parse_hidden(text)


def test_playground_config_is_two_in_two_out_with_linear_logits():
    config = playground.playground_config((4,), "tanh", "sgd", 0.1, 5, 3, l2=1e-3, seed=7)
    assert config.sizes == (2, 4, 2) and config.activations == ("tanh", "linear")
    assert (config.loss, config.optimizer, config.lr, config.batch_size, config.l2, config.seed) == (
        "cross_entropy",
        "sgd",
        0.1,
        5,
        1e-3,
        7,
    )
    assert playground.playground_config((), "relu", "adam", 0.1, 5, 3).sizes == (2, 2)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        playground.playground_config((4,), "tanh", "lbfgs", 0.1, 5, 3)


def test_a_playground_loss_must_fit_its_task():
    regression = playground.playground_config((3,), "tanh", "sgd", 0.1, 5, 3, n_out=1, task="regression", loss="mae")
    assert regression.loss == "mae" and regression.sizes[-1] == 1
    assert playground.playground_config((3,), "tanh", "sgd", 0.1, 5, 3, n_out=1, task="regression").loss == "mse"
    with pytest.raises(ValueError, match="classification trains with cross_entropy, not 'mse'"):
        playground.playground_config((3,), "tanh", "sgd", 0.1, 5, 3, loss="mse")
    with pytest.raises(ValueError, match="regression trains with mse or mae"):
        playground.playground_config((3,), "tanh", "sgd", 0.1, 5, 3, n_out=1, task="regression", loss="bce")


def _trainer(batch_size: int = 10) -> Trainer:
    return Trainer(playground.playground_config((4,), "tanh", "adam", 0.03, batch_size, 3), load_dataset("xor"))


def test_a_slice_until_the_epoch_end_stops_exactly_there():
    trainer = _trainer()
    trainer.step(3)
    taken = 0
    while trainer.epochs_done == 0:
        taken += playground.advance(trainer, 10.0, until_epoch_end=True, chunk=4)
    assert taken == trainer.batches_per_epoch - 3
    assert (trainer.epochs_done, trainer.batch_in_epoch, trainer.global_step) == (1, 0, trainer.batches_per_epoch)


def test_a_timed_slice_takes_at_least_one_step_and_stops_at_the_end():
    trainer = _trainer()
    assert playground.advance(trainer, 0.0) >= 1
    while not trainer.done:
        playground.advance(trainer, 0.05)
    assert trainer.global_step == 3 * trainer.batches_per_epoch
    assert playground.advance(trainer, 0.05) == 0


def test_samples_per_second():
    trainer = _trainer()
    assert playground.samples_per_second(trainer) == 0.0
    trainer.step(5)
    expected = 5 * 10 / sum(trainer.history.batch["seconds"])
    assert playground.samples_per_second(trainer) == pytest.approx(expected)
