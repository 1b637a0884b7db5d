"""Predict, then reveal: a question before the step engines show their answer (distill.pub's habit).

A page asks with :func:`ask` while the answer is still hidden and passes ``revealed=True`` from the step that
shows it; until then it keeps the giveaway (a chart, a number) out of sight, and :func:`asking` tells it whether
to. The visitor's guess is kept per question (its ``key``), so a rerun neither forgets nor re-asks it. The
app-wide ``quiz`` field (sidebar toggle, ``?quiz=0`` in a link) turns every question off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import streamlit as st

QUIZ_KEY = "quiz"
_GUESS_PREFIX, _WIDGET_PREFIX = "predict_", "predict_widget_"  # the guess outlives its radio (gone once revealed)
_REVEALED_PREFIX = "predict_revealed_"


@dataclass(frozen=True)
class Question:
    """One prediction to make: its ``prompt``, the ``options`` to choose from, the right one and why it is right.

    ``key`` names this question among the page's (it changes with what the question is about, e.g. the network's
    settings, so that a new network asks again).
    """

    key: str
    prompt: str
    options: Sequence[str]
    answer: str
    why: str

    def __post_init__(self) -> None:
        if self.answer not in self.options:
            raise ValueError(f"the answer {self.answer!r} is not one of the options {list(self.options)}")


def key_of(name: str, *about: Hashable) -> str:
    """A question's key: ``name`` and a short digest of what it is about (the settings that make its answer), so
    that new settings ask again and the answer cannot be read from the page's HTML."""
    return f"{name}_{hashlib.sha1(repr(about).encode()).hexdigest()[:10]}"


def asking() -> bool:
    """Whether questions are on (the sidebar's toggle; on unless switched off)."""
    return bool(st.session_state.get(QUIZ_KEY, True))


def guess(question: Question) -> str | None:
    """What the visitor predicted for ``question`` (None before they chose)."""
    return st.session_state.get(_GUESS_PREFIX + question.key)


def shown(question: Question) -> bool:
    """Whether the page may show ``question``'s answer already: questions are off, or its Reveal was pressed."""
    return not asking() or st.session_state.get(_REVEALED_PREFIX + question.key, False)


def _keep_guess(key: str) -> None:
    st.session_state[_GUESS_PREFIX + key] = st.session_state[_WIDGET_PREFIX + key]


def _reveal(key: str) -> None:
    st.session_state[_REVEALED_PREFIX + key] = True


def ask(question: Question, *, revealed: bool = False, reveal_button: bool = False) -> bool:
    """The question with its options while the answer is hidden; once ``revealed``, the guess against the answer
    with the reason. ``reveal_button`` adds a Reveal button, for answers no step of the page shows (an animation
    that plays in the browser). Draws nothing when questions are off.

    Returns:
        Whether the page may show the answer: questions are off, or it is revealed.
    """
    if not asking():
        return True
    revealed = revealed or shown(question)
    with st.container(border=True, key=f"predict_box_{question.key}"):
        if not revealed:
            st.radio(
                f":material/psychology_alt: **Predict:** {question.prompt}",
                list(question.options),
                index=question.options.index(guess(question)) if guess(question) in question.options else None,
                horizontal=True,
                key=_WIDGET_PREFIX + question.key,
                on_change=_keep_guess,
                args=(question.key,),
            )
            if reveal_button:
                st.button("Reveal", key=f"predict_reveal_{question.key}", on_click=_reveal, args=(question.key,))
            return False
        chosen = guess(question)
        if chosen == question.answer:
            st.success(f"**You predicted {chosen}: right.** {question.why}", icon=":material/check_circle:")
        elif chosen is not None:
            st.warning(
                f"**You predicted {chosen}; it is {question.answer}.** {question.why}", icon=":material/lightbulb:"
            )
        else:
            st.info(
                f"{question.prompt[0].upper()}{question.prompt[1:]} The answer: **{question.answer}**. {question.why}",
                icon=":material/lightbulb:",
            )
    return True
