"""Tools for clubs and curators: import, questions, annotations, docs, benchmark data."""
