"""nnviz.user_data: clicked points, CSV files read strictly with one message per problem, splits and exports."""

from __future__ import annotations

import codecs
import contextlib

import numpy as np
import pytest
import torch

from nnviz.toys import TOY_EXTENT, make_toy
from nnviz.user_data import MAX_CSV_BYTES, MAX_POINTS, MIN_SPLIT_POINTS, UserData, UserDataError

GOOD = b"x1,x2,label\n0.5,-1.25,0\n2,3.5,1\n-3,0,2\n1e-3,4,1\n"


def _points(n: int, n_classes: int = 2, seed: int = 0) -> UserData:
    rng = np.random.default_rng(seed)
    return UserData(rng.uniform(-5, 5, (n, 2)), np.arange(n) % n_classes, "classification", n_classes)


# --- clicking points on and off ---------------------------------------------------------------------------------


def test_adding_and_removing_points_returns_new_data_and_leaves_the_old_alone():
    empty = UserData.empty(n_classes=3)
    one = empty.add(1.0, 2.0, 2)
    two = one.add(-1.0, -1.0, 0)
    assert (len(empty), len(one), len(two)) == (0, 1, 2)
    assert two.points.tolist() == [[1.0, 2.0], [-1.0, -1.0]] and two.targets.tolist() == [2, 0]
    assert two.class_counts().tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="read-only"):
        two.points[0, 0] = 9.0
    assert two.nearest(1.2, 2.1, radius=0.5) == 0 and two.nearest(5.0, 5.0, radius=0.5) is None
    fewer = two.remove_near(-0.9, -1.1, radius=0.5)
    assert fewer.points.tolist() == [[1.0, 2.0]] and len(two) == 2
    assert two.remove_near(5.0, 5.0, radius=0.5) is two  # nothing that close: unchanged


def test_a_point_needs_a_valid_class_or_target_and_room():
    data = UserData.empty(n_classes=2)
    for label in (2, -1, 0.5):
        with pytest.raises(UserDataError, match="class from 0 to 1"):
            data.add(0.0, 0.0, label)
    with pytest.raises(UserDataError, match="finite"):
        data.add(float("nan"), 0.0, 0)
    full = _points(MAX_POINTS)
    with pytest.raises(UserDataError, match="already 2,000 points"):
        full.add(0.0, 0.0, 1)
    regression = UserData.empty("regression").add(0.5, 0.5, -0.3)
    assert regression.targets.dtype == np.float64 and regression.n_classes == 0
    with pytest.raises(UserDataError, match="no classes"):
        regression.class_counts()


def test_the_number_of_classes_can_change_unless_points_use_a_class_that_goes():
    data = UserData.empty(n_classes=3).add(0, 0, 0).add(1, 1, 1)
    assert data.with_n_classes(2).n_classes == 2 and data.with_n_classes(8).n_classes == 8
    with pytest.raises(UserDataError, match="class 2 exist"):
        data.add(2, 2, 2).with_n_classes(2)
    with pytest.raises(UserDataError, match="Between 2 and 8 classes"):
        data.with_n_classes(9)


# --- CSV ----------------------------------------------------------------------------------------------------------


def test_a_csv_file_round_trips_exactly():
    toy = UserData.from_dataset(make_toy("spiral-k", n_samples=500, noise=0.2, n_classes=4))
    back = UserData.from_csv(toy.to_csv())
    assert np.array_equal(back.points, toy.points) and np.array_equal(back.targets, toy.targets)
    assert back.n_classes == 4 and back.task == "classification"
    regression = UserData.from_dataset(make_toy("reg-gauss", n_samples=300, noise=0.1))
    again = UserData.from_csv(regression.to_csv())
    assert again.task == "regression" and np.array_equal(again.targets, regression.targets)
    assert regression.to_csv().startswith(b"x1,x2,y\n")


def test_reading_is_tolerant_of_case_spaces_order_bom_crlf_delimiters_and_blank_lines():
    expected = UserData.from_csv(GOOD)
    for variant in (
        codecs.BOM_UTF8 + GOOD,
        GOOD.replace(b"\n", b"\r\n"),
        b" X1 , x2 ,LABEL \n0.5 , -1.25, 0\n2,3.5,1\n\n-3,0,2\n1e-3,4,1\n\n",
        GOOD.replace(b",", b";"),
        GOOD.replace(b",", b"\t"),
        b'"x1","x2","label"\n"0.5","-1.25","0"\n2,3.5,1\n-3,0,2\n1e-3,4,1\n',
    ):
        data = UserData.from_csv(variant)
        assert np.array_equal(data.points, expected.points) and np.array_equal(data.targets, expected.targets)
    reordered = UserData.from_csv(b"label,x2,x1\n0,-1.25,0.5\n1,3.5,2\n2,0,-3\n1,4,1e-3\n")
    assert np.array_equal(reordered.points, expected.points) and np.array_equal(reordered.targets, expected.targets)
    assert expected.n_classes == 3 and expected.points[3].tolist() == [0.001, 4.0]


BAD_FILES = {
    "empty": (b"", "The file is empty"),
    "only blanks": (b"\n \r\n\t\n", "The file is empty"),
    "too large": (b"x1,x2,label\n" + b"0" * MAX_CSV_BYTES, "at most 1,000,000 (1 MB)"),
    "UTF-16": ("x1,x2,label\n1,2,0\n".encode("utf-16"), "UTF-16 text"),
    "UTF-16 without BOM": ("x1,x2,label\n1,2,0\n".encode("utf-16-le"), "NUL bytes"),
    "binary": (bytes(range(256)), "NUL bytes"),
    "Excel workbook": (b"PK\x03\x04\x14\x00\x06\x00", "zip archive"),
    "Latin-1": ("x1,x2,label\n1,2,0\n3,4,1 é\n".encode("latin-1"), "not UTF-8 text: byte 0xE9 on line 3"),
    "no header": (b"0.5,1,0\n1,2,1\n", "holds numbers"),
    "missing column": (b"x1,label\n1,0\n", "missing x2"),
    "extra column": (b"x1,x2,label,z\n1,2,0,3\n", "unexpected “z”"),
    "misnamed columns": (b"a,b,class\n1,2,0\n", "missing x1, x2, label; unexpected “a”, “b”, “class”"),
    "repeated column": (b"x1,x1,label\n1,2,0\n", "column x1 appears twice"),
    "both targets": (b"x1,x2,label,y\n1,2,0,3\n", "both label (classification) and y (regression)"),
    "empty column name": (b"x1,x2,label,\n1,2,0,\n", "empty column name"),
    "header only": (b"x1,x2,label\n\n", "no points below it"),
    "short row": (b"x1,x2,label\n1,2,0\n1,2\n", "Line 3 has 2 values"),
    "long row": (b"x1,x2,label\n1,2,0,4\n", "Line 2 has 4 values"),
    "word": (b"x1,x2,label\n1,2,0\n1,abc,1\n", "Line 3, column x2: “abc” is not a number"),
    "empty cell": (b"x1,x2,label\n1,,0\n", "Line 2, column x2 is empty"),
    "decimal comma": (b"x1;x2;label\n1,5;2;0\n", "Line 2, column x1: “1,5” has a comma"),
    "NaN": (b"x1,x2,label\n1,2,0\nnan,1,1\n", "Line 3, column x1: “nan” is not a finite number"),
    "infinity": (b"x1,x2,y\n1,2,-inf\n", "Line 2, column y: “-inf” is not a finite number"),
    "python spelling": (b"x1,x2,label\n1_000,2,0\n", "column x1: “1_000” is not a number"),
    "coordinate out of range": (b"x1,x2,label\n1,2000,0\n", "“2000” is out of range; keep it within ±1,000"),
    "target out of range": (b"x1,x2,y\n1,2,1e4\n", "column y: “1e4” is out of range"),
    "fractional label": (b"x1,x2,label\n1,2,0.5\n", "“0.5” is not a whole number"),
    "negative label": (b"x1,x2,label\n1,2,-1\n1,2,1\n", "“-1” is out of range; keep it from 0 to 7"),
    "too many classes": (b"x1,x2,label\n1,2,8\n", "“8” is out of range; keep it from 0 to 7"),
    "one class": (b"x1,x2,label\n1,2,0\n3,4,0\n", "at least two classes"),
    "unused class": (b"x1,x2,label\n1,2,0\n3,4,2\n", "No point has label 1"),
    "too many points": (
        b"x1,x2,label\n" + b"1,2,0\n3,4,1\n" * (MAX_POINTS // 2) + b"5,6,1\n",
        "more than 2,000 points",
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_refused_with_its_own_message(kind):
    data, message = BAD_FILES[kind]
    with pytest.raises(UserDataError) as refused:
        UserData.from_csv(data)
    assert message in str(refused.value)
    assert len(str(refused.value)) < 300  # one sentence or two, never the file


def test_a_refused_file_leaves_the_current_data_as_it_was():
    current = UserData.from_csv(GOOD)
    before = current.to_csv()
    for data, _ in BAD_FILES.values():
        with contextlib.suppress(UserDataError):
            current = UserData.from_csv(data)
    assert current.to_csv() == before


def test_the_largest_file_allowed_reads_in_a_moment():
    data = _points(MAX_POINTS, n_classes=8).to_csv()
    assert len(data) < MAX_CSV_BYTES / 10
    assert len(UserData.from_csv(data)) == MAX_POINTS


# --- training data, rescaling, export ----------------------------------------------------------------------------


def test_a_split_is_a_seeded_shuffle_of_all_points_into_a_dataset():
    data = _points(40, n_classes=3)
    ds = data.split(0.75, seed=1)
    assert (ds.n_train, ds.n_test, ds.n_classes, ds.class_names[2]) == (30, 10, 3, "class 2")
    rows = {tuple(p) for p in torch.cat([ds.x_train, ds.x_test]).tolist()}
    assert rows == {tuple(p) for p in data.points.astype(np.float32).tolist()}
    assert torch.equal(data.split(0.75, seed=1).x_train, ds.x_train)
    assert not torch.equal(data.split(0.75, seed=2).x_train, ds.x_train)
    regression = UserData.from_dataset(make_toy("reg-plane", n_samples=20)).split()
    assert regression.is_regression and regression.y_train.dtype == torch.float32


def test_a_split_needs_enough_points_on_each_side():
    assert MIN_SPLIT_POINTS == 2
    _points(4).split(0.5)
    for n, share in ((3, 0.5), (10, 0.9), (10, 0.1)):
        with pytest.raises(UserDataError, match="at least 2 points in each"):
            _points(n).split(share)
    with pytest.raises(UserDataError, match="between 0 and 1"):
        _points(10).split(1.0)


def test_wide_data_can_be_fitted_into_the_square_keeping_its_shape():
    wide = UserData(np.array([[100.0, 50.0], [300.0, 50.0], [200.0, 250.0]]), np.array([0, 1, 1]))
    fitted, note = wide.fit_into(TOY_EXTENT)
    assert np.abs(fitted.points).max() == pytest.approx(0.95 * TOY_EXTENT)
    distances = np.linalg.norm(wide.points[:, None] - wide.points[None], axis=2)
    fitted_distances = np.linalg.norm(fitted.points[:, None] - fitted.points[None], axis=2)
    assert np.allclose(fitted_distances / fitted_distances[0, 1], distances / distances[0, 1])
    assert "x₁ from 100 to 300" in note and np.array_equal(fitted.targets, wide.targets)
    inside = UserData.from_csv(GOOD)
    assert inside.fit_into() == (inside, "") and inside.extent() == TOY_EXTENT
    assert wide.extent() == pytest.approx(1.05 * 300)


def test_the_python_literal_holds_the_points_rounded_and_stays_small():
    data = UserData.from_csv(GOOD)
    namespace: dict = {}
    exec(data.to_python("POINTS"), namespace)  # noqa: S102 - our own generated source
    assert namespace["POINTS"] == [(0.5, -1.25, 0), (2.0, 3.5, 1), (-3.0, 0.0, 2), (0.001, 4.0, 1)]
    toy = UserData.from_dataset(make_toy("spiral", n_samples=MAX_POINTS, noise=0.3))
    text = toy.to_python()
    namespace = {}
    exec(text, namespace)  # noqa: S102
    assert np.allclose(np.array(namespace["DATA"])[:, :2], toy.points, atol=5e-7)
    assert len(text) < 45 * MAX_POINTS
    with pytest.raises(UserDataError, match="not a Python name"):
        data.to_python("my data")


def test_a_toy_becomes_editable_data_with_every_point():
    ds = make_toy("gauss-k", n_samples=90, n_classes=3)
    data = UserData.from_dataset(ds)
    assert len(data) == 90 and data.n_classes == 3 and data.class_counts().tolist() == [30, 30, 30]
