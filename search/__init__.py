"""Search: full-text (Whoosh), semantic (sentence embeddings) and their fusion, over article sections."""
