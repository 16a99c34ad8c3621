"""Consents (samtykke): the register; giving, changing and withdrawing; the back office told."""
