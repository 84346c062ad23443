"""Built-in governance rules, one per module; each module defines ID, DESCRIPTION, SOURCE and
``check(context)`` yielding problems. Modules here are discovered automatically."""
