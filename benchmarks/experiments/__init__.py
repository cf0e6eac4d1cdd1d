"""Experiments kg ran and does not ship: the spaCy NER tagger kind, the combination modes it did not
choose, and their training. `python -m benchmarks.experiments.ner_cv` cross-validates them next to
the shipped CRF (`make cv-ner`)."""
