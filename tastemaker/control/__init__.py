"""Handlers of the `personalize` control plane, one module per resource family."""
