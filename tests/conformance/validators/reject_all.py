"""A broken validator: rejects everything (exit 1)."""

import sys

print(f"INVALID {sys.argv[1]}")
sys.exit(1)
