"""``python -m sightgate``: the CLI without relying on the installed script."""

from sightgate.cli import main

if __name__ == "__main__":
    main()
