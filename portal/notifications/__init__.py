"""Notifications: e-mail to citizens (receipts), and a development page of sent mail."""
