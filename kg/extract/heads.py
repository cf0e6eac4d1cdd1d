"""Head words that tell an entity's type: "... Network" is a method, "... Corpus" a dataset.

Shared by the abbreviation tagger (typing unknown long forms) and the name patterns (typing a name by
the word after it).
"""

from __future__ import annotations

TASK_HEADS = frozenset({
    "recognition", "classification", "translation", "detection", "segmentation", "generation",
    "summarization", "summarisation", "answering", "parsing", "extraction", "labeling", "labelling",
    "tagging", "retrieval", "prediction", "estimation", "inference", "understanding", "reasoning",
    "resolution", "linking", "disambiguation", "captioning", "completion", "synthesis", "tracking",
    "forecasting", "analysis", "modeling", "modelling", "identification", "verification", "matching",
    "localization", "localisation", "grounding", "navigation", "control", "planning", "editing",
    "transcription", "diarization", "conversion", "enhancement", "restoration", "super-resolution",
    "reconstruction", "alignment", "normalization", "normalisation", "simplification", "correction",
    "search", "ranking", "recommendation", "clustering", "regression",
})
METHOD_HEADS = frozenset({
    "model", "models", "network", "networks", "net", "nets", "machine", "machines", "transformer",
    "transformers", "encoder", "encoders", "decoder", "autoencoder", "autoencoders", "algorithm",
    "algorithms", "method", "methods", "optimization", "optimizer", "optimiser", "attention", "embedding",
    "embeddings", "forest", "tree", "trees", "distillation", "tuning", "fine-tuning", "adaptation",
    "quantization", "pruning", "sampling", "descent", "propagation", "field", "fields", "layer", "layers",
    "mechanism", "framework", "architecture", "approach", "module", "policy", "kernel", "memory", "unit",
    "units", "estimator", "classifier", "parser", "tagger", "generator", "learning", "augmentation",
    "regularization", "normalizer", "prompting", "decoding", "pretraining", "pre-training", "training",
    "representations", "representation", "process", "processes", "system", "systems", "agent", "agents",
})
METRIC_HEADS = frozenset({
    "score", "rate", "error", "accuracy", "precision", "recall", "distance", "divergence", "correlation",
    "ratio", "coefficient", "perplexity", "gain", "curve", "likelihood", "f-measure", "f-score",
})
DATASET_HEADS = frozenset({
    "dataset", "datasets", "corpus", "corpora", "benchmark", "benchmarks", "treebank", "bank", "collection",
    "suite", "database", "data", "challenge", "testbed", "leaderboard",
})
