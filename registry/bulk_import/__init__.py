"""Bulk import of patrons from an existing registry (CSV or JSON Lines), through the same encryption path."""
