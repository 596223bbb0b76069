"""Lending under the library's policy: checkout, return, renewal, reservations, fees and claims."""
