"""Click commands of the core pipeline stages (thin: parse options, call the stage, print).

The CLI sits above the exporter: importing it registers the exporter's ONNX loader with
:func:`legalsearch.encoders.load_encoder`, so every command's ``--model`` also accepts an export directory.
"""

import legalsearch.exporter  # noqa: F401  (registers the ONNX encoder loader)
