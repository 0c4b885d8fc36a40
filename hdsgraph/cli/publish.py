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
    help="The store's SPARQL 1.1 Graph Store endpoint (Oxigraph: http://HOST:7878/store; Virtuoso: "
    "http://HOST:8890/sparql-graph-crud-auth).",
)
@click.option(
    "--graph",
    "prefix",
    metavar="IRI",
    default=None,
    help="Start of the named graphs' IRIs.  [default: the data's base IRI + graph/]",
)
@click.option(
    "--query-endpoint",
    metavar="URL",
    default=None,
    help="The store's SPARQL query endpoint, to list its graphs.  [default: found from --endpoint for Oxigraph, "
    "Virtuoso, Fuseki and GraphDB]",
)
def publish_command(data, endpoint, prefix, query_endpoint):
    """Upload a build to a SPARQL 1.1 store with the Graph Store HTTP Protocol.

    Every triple goes to one named graph: IRI + ontology, IRI + registry (hosts,
    certificates) and IRI + snapshot/ID for each registry snapshot (its description and
    listings). Each graph is replaced by one PUT, so none is ever half-written; then the
    graphs under IRI that the build lacks (an older build's) are deleted, so the store
    holds exactly this build; then each graph is read back and its triple count checked.
    The last line says how to query the store: hdsgraph query --endpoint finds the graphs
    itself. Credentials come from HDSGRAPH_USER and HDSGRAPH_PASSWORD or a netrc file,
    never from the command line, and are sent as the store asks (Digest or Basic).

    Example:

    \b
        hdsgraph publish --endpoint http://127.0.0.1:7878/store
        hdsgraph publish --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth
    """
    with library_errors():
        publication = publish(data, endpoint, prefix, query_endpoint)
    for item in publication.graphs:
        click.echo(f"<{item.graph.iri}> ({item.graph.role}): {item.triples_read_back} triples, read back and checked")
    for iri in publication.removed:
        click.echo(f"<{iri}>: deleted (not in this build)")
    click.echo(f"Published {publication.triples} triples in {len(publication.graphs)} graphs")
    click.echo(
        f"Query it: {publication.query_command()}    or in the store's own SPARQL page: {publication.store_query()}"
    )
