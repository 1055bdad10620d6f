"""Value types and rules shared by every layer. Pure Python: no I/O, no Qt, no SQL."""
