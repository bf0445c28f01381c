"""A broken validator: accepts everything (exit 0)."""

import sys

print(f"OK {sys.argv[1]}")
sys.exit(0)
