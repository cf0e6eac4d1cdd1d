"""kg: knowledge graphs of methods, datasets, metrics, tasks and claimed results from ML abstracts.

Importing the package loads no model and reads no file; every stage is imported on demand, and so
is every function below. Each `kg` command (`kg.cli`) is a few lines over one of them.

The public API, stage by stage (data flows one way: papers -> extractions -> linked -> graph ->
RDF, view):

- `kg.ingest.read_papers`: the papers of files, folders or "-" in any supported format
  (`kg.ingest.FORMATS`, detected per file by `kg.ingest.detect_format`), streamed, each id once.
- `kg.extract.build_nlp`: the spaCy extraction pipeline (rules, knowledge base, trained tagger,
  claims); `kg.extract.extract_papers`: one `kg.types.Extraction` per paper, in input order.
- `kg.linking.link`: mentions of the same thing across papers linked into entities, with the
  knowledge base of `kg.linking.load_kb`.
- `kg.graph.build_graph`: the NetworkX graph of papers, entities and claims (no I/O);
  `kg.graph.stats` and `format_stats`: its node and edge counts. The graph's contract (node kinds,
  relations, node ids, attributes) is `kg.schema`.
- `kg.rdf.export.write_rdf` and `to_rdf`: the graph as RDF under kg's ontology;
  `kg.rdf.query.run_query`, `run_named` and `list_named`: read-only SPARQL, with bindings, and the
  named queries shipped with kg; `kg.rdf.store.create_store`: a persistent Oxigraph store;
  `kg.rdf.server.make_server`: the SPARQL endpoint over such a store; `kg.rdf.shacl.validate`: the
  violations of kg's SHACL shapes.
- `kg.graph_io.load_any_graph` (a build folder, graph file or RDF file as NetworkX) and
  `kg.view.render_html`: the interactive HTML page of a build.

Composed from the stages:

- `kg.build.build` (options in `kg.build.BuildOptions`): the whole build (`kg build`): read,
  extract (cached, in parallel, or on Dask), link, and write the graph, RDF, records, stats and page
  into a folder.
- `kg.jobs.read_to_file` (`kg read`), `extract_to_file` (`kg extract`) and `score_gold`
  (`kg eval`): papers and extraction records as JSON Lines files, and their scores against gold;
  `kg.extract.build_nlp`: the spaCy pipeline by name ("default" or "fast").
- `kg.rdf.inputs.resolve_rdf`: the RDF file of a build folder; `kg.rdf.inputs.prepare_query`: a
  query from text, a .rq file or a name with its parameters, checked before any graph is loaded
  (`kg query`, `kg validate`, `kg load`).
- `kg.rdf.serving.serve_store`: the SPARQL endpoint of a store in the foreground until Ctrl-C or
  SIGTERM (`kg serve`).
- `kg.eval.evaluate`: precision, recall and F1 of extraction records against gold records.
- `kg.train.inputs.training_files`, `kg.train.crf.train_crf` (`kg train`) and
  `kg.train.cv.cross_validate` (`kg cv`): training kg's tagger and cross-validating it.

Every user error is a `kg.errors.KgError` with a one-line message saying what to change.
"""

__version__ = "0.1.0"
