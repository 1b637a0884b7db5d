"""The one list of pages: app.py builds the navigation from it, Home builds its cards from it,
and the tests discover every page from it. Register a page here only when it really works."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    """One page of the app.

    Attributes:
        path: script path relative to the repository root, e.g. ``"app_pages/neuron.py"``.
        title: navigation title.
        icon: a Material icon (``":material/name:"``) or an emoji.
        blurb: one sentence for the Home page's learning-path card.
    """

    path: str
    title: str
    icon: str
    blurb: str

    @property
    def url_path(self) -> str:
        """The URL path Streamlit gives the page (its file name without ``.py``)."""
        return self.path.rsplit("/", 1)[-1].removesuffix(".py")


HOME = PageSpec("app_pages/home.py", "Home", ":material/home:", "What nnviz is and the path through it.")

# Sections in learning order. Each later issue appends its pages to the right section.
SECTIONS: dict[str, list[PageSpec]] = {
    "Foundations": [
        PageSpec(
            "app_pages/neuron.py",
            "The neuron and the perceptron",
            ":material/neurology:",
            "Weigh inputs, add a bias, fire: then watch a perceptron learn AND, OR, and fail on XOR.",
        ),
        PageSpec(
            "app_pages/activations.py",
            "Activation functions",
            ":material/show_chart:",
            "Ten activations and their derivatives: where gradients vanish, and softmax with a temperature.",
        ),
        PageSpec(
            "app_pages/losses.py",
            "Loss functions",
            ":material/trending_down:",
            "MSE, MAE, BCE and cross-entropy: why confident mistakes cost most, sample by sample.",
        ),
    ],
    "Learning": [
        PageSpec(
            "app_pages/forward.py",
            "Forward propagation",
            ":material/arrow_forward:",
            "Watch numbers flow through a tiny network, layer by layer.",
        ),
        PageSpec(
            "app_pages/backprop.py",
            "Backpropagation",
            ":material/undo:",
            "Step the chain rule backward and check every gradient against autograd.",
        ),
        PageSpec(
            "app_pages/descent.py",
            "Gradient descent",
            ":material/landscape:",
            "Race torch.optim optimizers downhill on loss surfaces; see learning rates and batch sizes at work.",
        ),
    ],
    "Training": [
        PageSpec(
            "app_pages/playground.py",
            "Playground",
            ":material/scatter_plot:",
            "TensorFlow Playground in real PyTorch: see every neuron, edit the network, bring your own data.",
        ),
        PageSpec(
            "app_pages/train.py",
            "Train a network",
            ":material/model_training:",
            "The tutorials' own runs, live: the make_classification classifiers and the MNIST MLPs.",
        ),
        PageSpec(
            "app_pages/inspect.py",
            "Inside the MNIST network",
            ":material/draw:",
            "Draw a digit, see its weights and activations, its mistakes; save the trained network or load one.",
        ),
    ],
}


def all_pages() -> list[PageSpec]:
    """Every registered page, Home first, in navigation order."""
    return [HOME] + [page for pages in SECTIONS.values() for page in pages]
