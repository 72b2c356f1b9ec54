"""Results in the shapes other systems take: the gradebook CSV, an LMS's gradebook, Gradescope, CI."""
