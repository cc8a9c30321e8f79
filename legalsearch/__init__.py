"""legalsearch: fine-tune a legal retrieval model on your own documents and deploy it to OpenSearch."""

__version__ = "0.1.0"
