"""What vulture takes for dead code but is used, each with the reason. Not run: vulture reads it
(.ci/run checks that vulture finds nothing else).

    vulture hdsgraph tools/vulture-whitelist.py --min-confidence 60   # prints nothing

Anything vulture reports beyond this list is dead: remove it, or add it here with its reason.
"""
# ruff: noqa: F821, B018

# hdsgraph/__init__.py: PEP 562 module hooks; Python calls them for `hdsgraph.query`, `dir(hdsgraph)`.
__getattr__
__dir__

# hdsgraph/acquire/tables.py: html.parser.HTMLParser calls these for <br/> and for text.
_.handle_startendtag
_.handle_data

# hdsgraph/cli/fetch.py: click.ParamType.convert, which click calls to read --max-size.
_.convert

# hdsgraph/cli/serve.py: the signal handler's first parameter; signal.signal passes it.
signum

# hdsgraph/pipeline/normalise.py, pipeline/build.py: the build report's row counts, read by the
# Python API's users and by tests (test_differential, test_synth, test_study).
_.rows_kept
_.rows_quarantined

# hdsgraph/rdf/store.py: N-Triples -> rdflib Graph, the tests' oracle for isomorphism checks
# (test_serve, test_publish_remote); validation uses rdflib_graph on parsed triples.
load_rdflib

# hdsgraph/sparql/graphstore.py: requests.Session.auth, read by requests on every request.
_.auth

# hdsgraph/sparql/server.py: socketserver options read by the server class, and the
# wsgiref handler's logging hook, overridden to log one line per request.
daemon_threads
allow_reuse_address
_.log_message

# hdsgraph/sparql/worker.py: CappedBuffer is a file-like sink; writers of a stream may flush it.
_.flush

# hdsgraph/cli/__init__.py: click.Group's hooks, which click calls to find and list the commands;
# `debug` is the root option, read from ctx.params when an unexpected error is reported.
_.get_command
_.format_commands
debug

# hdsgraph/cli/*.py: the commands, loaded by name through hdsgraph.cli.COMMANDS.
build_command
diff_command
fetch_command
import_command
publish_command
qualify_command
query_command
report_command
serve_command
site_command
synth_command
validate_command

# hdsgraph/describe/manifest.py: the hdsgraph version that wrote the build, kept for whoever reads
# the manifest back (the Python API, a later release deciding whether a build is its own).
_.version

# hdsgraph/study/report.py: fields the report's Jinja templates read (study/templates/report.*).
_.difference
_.heading
_.intro

# hdsgraph/sparql/server.py: waitress's and wasyncore's hooks, which their event loop calls
# (a dispatcher's writable/readable/handle_*, a server's maintenance, channel_class, application).
_.writable
_.handle_write
_.readable
_.handle_read
_.handle_close
_.channel_class
_.maintenance
_.application

# hdsgraph/qualification/services.py: Unit.activite_principale is read by name, getattr(unit,
# rule.field), for the rules of data/positioning-rules.csv whose field is activite_principale.
_.activite_principale

# hdsgraph/cli/common.py, hdsgraph/safety.py: hooks that io and requests call (writable above).
_.should_strip_auth

# hdsgraph/pipeline/build.py: the files a build writes, named once (the staging folder no
# longer needs the list to recognise a build: build.json does).
OUTPUTS

# hdsgraph/pipeline/validate.py: _ReadOnlyStore, an rdflib Store: rdflib reads these flags and
# calls these methods (and passes add's quoted) by name.
_.context_aware
_.graph_aware
_.add_graph
_.contexts
_.quoted
