"""Trained models shipped with kg: `ner/` is the tagger that `kg train` writes (see kg.extract.tagger)."""
