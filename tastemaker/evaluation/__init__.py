"""Offline evaluation: Personalize's split, metrics and the train-and-evaluate pipeline."""
