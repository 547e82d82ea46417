"""Pure writers for the transfer package: plain data in, files out (no Flask, no database)."""
