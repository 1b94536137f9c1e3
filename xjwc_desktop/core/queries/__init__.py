"""Read-side queries the views need (case list, map layers), Qt-free."""
