"""Extraction: notes, their defined terms, attributed definitions, sources, concepts and mentions."""
