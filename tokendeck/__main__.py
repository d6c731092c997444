"""``python -m tokendeck``."""

from tokendeck.cli import main

main()
