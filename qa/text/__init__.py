"""Text helpers every stage shares: word keys, calendar dates, vocabularies, safe printing.

Nothing here imports a pipeline stage, so any stage may use it.
"""
