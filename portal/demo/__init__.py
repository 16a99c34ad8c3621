"""Fictional demo data for development and tests: Eksempel kommune."""
