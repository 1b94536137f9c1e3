"""The workspace's shared state, Qt-free: what the operator is looking at (the filter, the
cases it gives, the selection, the case on show, the role) as evented objects that every
view subscribes to, as napari's ``EventedModel``. The GUI adapts them; tests drive them
without a window."""
