"""Every template of the shared corpus (211 real SAM templates) imports without an unexpected
exception: a valid stack whose file round-trips, or a StackError naming the file and line for
the few that are genuinely broken (duplicate keys, which CloudFormation refuses too)."""
import warnings
from pathlib import Path

import pytest

from stackerynb import StackError
from stackerynb.model.fileformat import parse_stack
from stackerynb.importing import import_template

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sam"
FILES = sorted(p for p in CORPUS.glob("*") if p.suffix in (".yaml", ".yml")) if CORPUS.is_dir() else []
# The templates that are not importable, and why: each has a duplicate key.
BROKEN = {
    "appsync-dynamodb-singletable__template.yaml": ":58: key 'AuthenticationType' appears twice",
    "cloudfront-lambda-url-rust__template.yml": ":45: key 'Name' appears twice",
    "cognito-sns-sms-origination-id-sam__template.yaml": ":65: key 'MfaConfiguration' appears twice",
    "vpc-lattice-lambda__template.yaml": ":163: key 'VLFunctionPrimary' appears twice",
}

pytestmark = pytest.mark.skipif(not FILES, reason="the shared SAM corpus is not beside the repository")


def test_the_whole_corpus_imports():
    imported, failed = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an import warns about nothing: the report says it all
        for path in FILES:
            try:
                imported[path.name] = import_template(path)
            except StackError as exc:
                failed[path.name] = str(exc)
    assert len(FILES) == 211
    assert set(failed) == set(BROKEN)
    for name, message in failed.items():
        assert message.startswith(str(CORPUS / name) + BROKEN[name])
    fully = 0
    for name, (stack, report) in imported.items():
        assert stack.problems() == [], name
        text = stack.dumps()
        assert parse_stack(text, name).dumps() == text, name
        assert report.outcome.isin(["node", "raw", "absorbed"]).all()
        assert (report.loc[report.outcome == "raw", "reason"].str.len() > 0).all(), name
        assert len(report) >= len(report.attrs["node_ids"])
        fully += not (report.outcome == "raw").any()
    # what the importer can do today (benchmarks/import_corpus.py prints the details)
    assert fully >= 18
    assert sum(len(s.nodes) for s, _ in imported.values()) >= 210
