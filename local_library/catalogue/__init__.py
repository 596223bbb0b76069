"""The library's items: barcode, title, material type (one of the policy's), audience and purchase price."""
