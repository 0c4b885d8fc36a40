"""Qualify: propose each host's SIREN, positioning, nationality and parent from open data.

``hdsgraph qualify`` asks three services (the API Recherche d'entreprises, GLEIF and
Wikidata) through one polite client (``client``: User-Agent, rate limit, back-off, an
on-disk cache with provenance), identifies each host (``identify``), applies the
positioning rules of a data file (``rules``), follows the chain of parents to a
nationality (``nationality``), and writes the proposal table a person reviews
(``proposals``). The person's table (``hdsgraph.pipeline.qualify``) always wins.
"""
