"""Patrons: the people the registry knows, their identifiers and the rules for validating them."""
