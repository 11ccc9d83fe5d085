"""SQL of the communication domain, one module per feature."""
