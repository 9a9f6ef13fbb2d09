"""Everything the user sees: texts, keyboards, callback payloads, images."""
