"""A public library's node: its own circulation, its lending policy and its link to the national registry."""
