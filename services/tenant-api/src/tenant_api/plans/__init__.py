"""The plan catalogue."""
