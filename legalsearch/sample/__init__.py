"""Bundled sample legal dataset (BEIR layout), loaded with importlib.resources."""
