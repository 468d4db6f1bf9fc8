#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{app_name}}.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Run this with the app's virtual environment's python "
            "(paddock creates it in the app's folder), or activate it first."
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
