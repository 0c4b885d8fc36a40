from hdsgraph.cli import cli

cli(prog_name="hdsgraph")
