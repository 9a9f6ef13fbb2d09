"""The domain's results as plain data: what rendering, charts, reports and exports read.

Nothing here imports the database layer (``tests/test_architecture.py`` follows the
imports to check it), so drawing a chart or wording a message never needs a session."""
