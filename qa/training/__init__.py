"""Training data for the span reader: plain text from named sources, questions made by rules."""
