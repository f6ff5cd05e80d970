"""Built-in modules, one file per category."""
