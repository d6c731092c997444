"""The multi-user server's web side: accounts, classes and shared decks (API and pages)."""
