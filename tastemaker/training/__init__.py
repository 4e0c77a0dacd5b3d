"""Training of solution versions: hyperparameter parsing, the training job, HPO settings and model artifacts."""
