"""OpenSearch side of legalsearch: connection, ML Commons, pipelines, index, ingest, deploy, queries."""
