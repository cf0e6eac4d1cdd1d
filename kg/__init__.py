"""kg: knowledge graphs of methods, datasets, metrics, tasks and claimed results from ML abstracts.

Importing the package loads no model and reads no file; every stage is imported on demand.
"""

__version__ = "0.1.0"
