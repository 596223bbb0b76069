"""Replacement invoices: the KID payment reference (``kid``), invoices, payments and credits (``invoices``)."""
