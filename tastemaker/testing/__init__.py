"""Shipped test helpers: the recipe contract mixin (tastemaker.testing.recipes)."""
