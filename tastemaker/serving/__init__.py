"""Serving: model cache, candidates, scoring, filters, ranking."""
