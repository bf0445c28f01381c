"""atheris harness: read, validate, verify (strict and legacy policy), chosen by the first
byte. The one-hour run in docs/security.md uses this one."""

from _harness import main

if __name__ == "__main__":
    main()
