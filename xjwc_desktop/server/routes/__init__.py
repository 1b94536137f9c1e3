"""The office server's routes, one module per concern (see app.py for the whole API)."""
