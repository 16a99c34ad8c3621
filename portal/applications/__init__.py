"""Applying online: individual plan and/or coordinator, child coordinator, and access to the
municipality's electronic IP system. One question (or a small group) per page."""
