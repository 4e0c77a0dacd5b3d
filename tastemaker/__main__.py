"""`python -m tastemaker` runs the CLI."""
from .cli import main

main()
