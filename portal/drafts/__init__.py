"""Drafts: forms in progress, saved at every step, resumable, removed when they expire."""
