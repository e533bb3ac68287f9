"""Article file formats, one module each."""
