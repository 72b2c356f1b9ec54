"""Reports from results: each student's HTML, Markdown and check text, the class summary, the plots.

Reports render data they are given; they never start a worker or run a test.
"""
