"""atheris harness: edoc.validate only (see _harness.py and docs/security.md)."""

from _harness import main

if __name__ == "__main__":
    main("validate")
