"""ONNX side of legalsearch: export, int8 quantization, quality gate, ML Commons package, fast local encoder."""
