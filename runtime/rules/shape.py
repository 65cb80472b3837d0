"""shape rules."""
