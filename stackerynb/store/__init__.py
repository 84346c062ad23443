"""Persistence: files written atomically and safely (``files``) and stacks kept in git (``gitstore``).

This layer knows bytes, paths and commits. It sits beside the model: the model's file format
reads and writes through it, and the git store parses and serialises stacks through the model's
file format.
"""
