"""Pure plotly figure builders: arrays in, ``go.Figure`` out (one module per page family)."""
