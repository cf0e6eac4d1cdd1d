"""Training kg's statistical tagger: the CRF of `kg/train/crf.cfg`, and its cross-validation.

`kg train -o DIR` (`kg.train.crf.train_crf`) turns `../shared/gold` into token sequences tokenized
exactly as kg tokenizes and trains the CRF deterministically (`kg/models/tagger` is its output);
`kg cv` (`kg.train.cv`) measures it by k-fold cross-validation with `kg.eval`. Nothing here runs at
import. The spaCy NER kg tried before the CRF is in `benchmarks/experiments/`.
"""
