"""Linking, split into small modules; import the public API from `kg.link`.

- `normalise`: the matching key of a surface form, the slug of an entity id, digit signatures;
- `kb`: the knowledge base of known entities (an index of normalised names and aliases);
- `cluster`: union-find and the blocked, vectorised fuzzy pairing of keys;
- `linker`: `link()`, which turns mentions in many papers into entities;
- `evaluate`: pairwise precision and recall of a linking against gold clusters.
"""
