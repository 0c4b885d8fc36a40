"""Run by the CKAN venv of tests/test_portals.py: ckanext-dcat's euro_dcat_ap_3 profile parses
a catalogue file, with the licence register read from a licence list; prints the datasets as JSON.

Usage: python ckan_parse.py CATALOGUE FORMAT LICENCES.json
"""

import json
import sys

from ckan.common import config

path, fmt, licences = sys.argv[1:4]
config["licenses_group_url"] = "file://" + licences

from ckanext.dcat.processors import RDFParser  # noqa: E402  (after the register is configured)

parser = RDFParser(profiles=["euro_dcat_ap_3"])
with open(path, "rb") as handle:
    parser.parse(handle.read(), _format=fmt)
print(json.dumps(list(parser.datasets()), default=str))
