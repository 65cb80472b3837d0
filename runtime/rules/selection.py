"""selection rules."""
