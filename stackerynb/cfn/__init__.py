"""What the compiler and the importer both need to know about CloudFormation templates.

``intrinsics``: intrinsic functions as plain data (what a value references, renaming, resolving).
It sits below the model, the compiler and the importer, and imports none of them.
"""
