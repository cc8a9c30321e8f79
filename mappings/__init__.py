"""JSON bodies that OpenSearch receives (index settings/mappings, pipelines), readable and reusable as files.

Loaded with importlib.resources so they work in editable and wheel installs alike.
"""

import json
from importlib import resources
from typing import Any


def load(name: str) -> dict[str, Any]:
    """Return the parsed JSON file ``name`` (with or without ``.json``) from this package."""
    filename = name if name.endswith(".json") else f"{name}.json"
    return json.loads(resources.files(__name__).joinpath(filename).read_text(encoding="utf-8"))
