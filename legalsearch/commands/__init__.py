"""Click commands of the core pipeline stages (thin: parse options, call the stage, print)."""
