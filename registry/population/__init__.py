"""Following the national population register (Folkeregisteret): its event feed, its bulk lookup, and what the
registry does with deaths, names, genders and registered or protected addresses of its patrons."""
