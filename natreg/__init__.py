"""The tools on top: the `natreg` command line, the demo and the benchmark. They may use every layer below."""
