"""Patron notices (pre-due, reminder, pickup, claim, receipt) through a durable outbox and a pluggable sender."""
