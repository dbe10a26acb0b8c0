"""One module per CLI verb (see `distill.cli`)."""
