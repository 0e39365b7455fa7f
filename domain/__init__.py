"""Pure domain code: no I/O, no clock, no randomness. Workflows import it freely."""
