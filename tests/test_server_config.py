"""The server's Streamlit settings (.streamlit/config.toml), as Streamlit itself reads and applies them."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit import config
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.forward_msg_cache import populate_hash_if_needed

ROOT = Path(__file__).resolve().parents[1]


def test_no_element_is_sent_as_a_reference_to_the_browsers_cache():
    """A live area sends unchanged canvases again several times a second; as references to the browser's cached
    copy they froze starved classroom pages with "Cached ForwardMsg MISS" (streamlit#11357)."""
    here = Path.cwd()
    os.chdir(ROOT)  # the app runs from the repository's root, where Streamlit finds its config
    try:
        config.get_config_options(force_reparse=True)
        message = ForwardMsg()
        message.delta.new_element.markdown.body = "x" * 1_000_000  # a megabyte: far above Streamlit's 10 kB default
        populate_hash_if_needed(message)
        assert message.hash and not message.metadata.cacheable
        assert config.get_option("runner.postScriptGC") is False
    finally:
        os.chdir(here)
        config.get_config_options(force_reparse=True)
