"""The change feed: what each library must hear about the patrons linked to it, paged by cursor."""
