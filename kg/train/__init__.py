"""Training kg's statistical tagger: gold and silver corpora, the spaCy config, training and cross-validation.

`kg train` (`kg.train.trainer.train_model`) turns `../shared/gold` (and knowledge-base matches on the
shared corpus, as lower-weighted silver data) into DocBins tokenized exactly as kg tokenizes, trains
the NER of `kg/train/ner.cfg` with fixed seeds and writes a spaCy pipeline directory; `kg cv`
(`kg.train.cv`) measures it by k-fold cross-validation with `kg.eval`. Nothing here runs at import.
"""
