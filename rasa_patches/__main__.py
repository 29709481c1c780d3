"""``python -m rasa_patches ARGS``: see :mod:`rasa_patches.cli`."""

from rasa_patches.cli import main

if __name__ == "__main__":
    main()
