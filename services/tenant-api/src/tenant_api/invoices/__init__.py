"""Invoices: recorded from billing's events, read by tenants and operators."""
