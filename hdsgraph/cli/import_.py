from __future__ import annotations

from pathlib import Path

import click

from hdsgraph.acquire.importer import (
    ImportResult,
    import_file,
    load_mapping,
    write_import,
)
from hdsgraph.cli.common import library_errors, warn
from hdsgraph.errors import InputError

mapping_option = click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    default=None,
    help="A YAML file naming the headers of each column, for a layout the bundled synonyms do not know "
    "(e.g. 'host: [\"Société\"]').",
)


def default_out(file: Path) -> Path:
    """``page.html`` -> ``page.csv``; ``export.csv`` -> ``export.canonical.csv`` (never the input)."""
    return file.with_suffix(".canonical.csv" if file.suffix.lower() == ".csv" else ".csv")


def echo_import(result: ImportResult, out: Path | None = None) -> None:
    columns = ", ".join(f"{header!r} -> {column}" for header, column in result.columns.items())
    click.echo(f"Read {result.table} ({result.format}): {columns}")
    if result.ignored:
        warn(f"{result.name}: ignored columns {', '.join(repr(h) for h in result.ignored)}")
    echo_rows(result.rows_read, len(result.rows), len(result.quarantine), len(result.values))


def echo_rows(read: int, kept: int, quarantined: int, values: int) -> None:
    dropped = f"; values dropped from kept rows {values}" if values else ""
    click.echo(f"Rows read {read} / kept {kept} / quarantined {quarantined}{dropped}")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@mapping_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="The canonical CSV to write; its quarantine goes beside it as NAME.quarantine.csv. "
    "Default: FILE with the suffix .csv (.canonical.csv for a CSV input).",
)
def import_command(file, mapping, out):
    """Turn an export of the registry (an HTML page, a CSV/TSV file, an XLSX workbook or
    JSON records) into the canonical registry CSV that `hdsgraph build` reads.

    Reads every table of the file and takes the one whose headers look like the registry;
    recognises French headers, merged cells, one activity per line or one column per
    activity, and dates as people write them. Rows that cannot be read, and values dropped
    from kept rows, go to NAME.quarantine.csv with the reason; the build counts them.

    Example:

        hdsgraph import liste-hebergeurs.html --out snapshots/2024-05-02.csv
    """
    out = out or default_out(file)
    with library_errors():
        if out.resolve() == file.resolve():
            raise InputError(f"{out}: is the input itself; choose another --out")
        result = import_file(file, load_mapping(mapping) if mapping else None)
        csv_path, quarantine_path = write_import(result, out)
    echo_import(result)
    click.echo(f"Wrote {csv_path} and {quarantine_path}")
