"""The real bot against a local fake Bot API server: for tests and the offline demo."""
