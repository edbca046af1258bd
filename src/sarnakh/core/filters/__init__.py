"""The filter language shared by segments, email audiences, workflow branches, sales rules
and reports: a pure tree (tree.py), the fields apps register (fields.py), the compiler to
SQL and its Python twin (compile.py). docs/segments.md describes the language."""
