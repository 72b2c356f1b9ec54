"""An assignment's life before grading: validating it, releasing the student bundle, its catalogs."""
