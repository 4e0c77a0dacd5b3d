"""Recipes: algorithms that train on TrainingData and serve from histories (see registry.RECIPES)."""
