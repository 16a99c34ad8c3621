"""The municipality (kommune): the tenant every other record belongs to."""
