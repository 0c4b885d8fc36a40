from __future__ import annotations

import click

from hdsgraph.cli.common import data_option, library_errors
from hdsgraph.sparql.graphstore import publish


@click.command("publish")
@data_option
@click.option(
    "--endpoint",
    metavar="URL",
    required=True,
    help="The store's SPARQL 1.1 Graph Store endpoint (Oxigraph: http://HOST:7878/store).",
)
@click.option(
    "--graph",
    "prefix",
    metavar="IRI",
    default=None,
    help="Start of the named graphs' IRIs.  [default: the data's base IRI + graph/]",
)
def publish_command(data, endpoint, prefix):
    """Upload a build to a SPARQL 1.1 store with the Graph Store HTTP Protocol.

    Every triple goes to one named graph: IRI + ontology, IRI + registry (hosts,
    certificates) and IRI + snapshot/ID for each registry snapshot (its description and
    listings). Each graph is replaced by one PUT, so none is ever half-written; then each
    is read back and its triple count checked. Query the union of the graphs (Oxigraph:
    serve --union-default-graph) to get the answers a local query gives. Credentials come
    from HDSGRAPH_USER and HDSGRAPH_PASSWORD or a netrc file, never from the command line.

    Example:

        hdsgraph publish --endpoint http://127.0.0.1:7878/store
    """
    with library_errors():
        published = publish(data, endpoint, prefix)
    for item in published:
        click.echo(f"<{item.graph.iri}> ({item.graph.role}): {item.triples_read_back} triples, read back and checked")
    click.echo(f"Published {sum(p.triples_read_back for p in published)} triples in {len(published)} graphs")
