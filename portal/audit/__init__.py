"""The audit log: who did what, to whom, and why. Written in the same transaction as the act."""
