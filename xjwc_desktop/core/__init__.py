"""The Qt-free core: domain model, storage, geo, demo data and statistics.

Nothing below this package may import PySide6 (checked by import-linter and a test that runs
the core with PySide6 hidden)."""
