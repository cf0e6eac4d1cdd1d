"""Reading papers from every input format kg knows, as a stream of `kg.types.Paper` records.

One reader per format (`READERS`), each a generator ``read_<format>(path, on_problem)``; `read_papers`
chains them over files, directories and stdin, detects formats and drops duplicates.

>>> from kg.ingest import FORMATS
>>> FORMATS
('listing', 'jsonl', 'json', 'csv', 'tsv', 'atom', 'bibtex', 'text')
"""

from kg.ingest.detect import FORMATS, detect_format
from kg.ingest.ids import paper_id
from kg.ingest.read import READERS, read_papers

__all__ = ["FORMATS", "READERS", "detect_format", "paper_id", "read_papers"]
