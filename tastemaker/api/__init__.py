"""The AWS wire boundary: the only package that knows AWS casing."""
