"""The analysis layer stays light: no widgets, no AWS SDK, no plotting library until asked."""
import subprocess
import sys


def test_importing_analysis_pulls_in_neither_boto3_nor_widgets_nor_matplotlib():
    code = ("import sys, stackerynb.analysis as a; a.simulate; a.consolidation; a.Traffic.from_cloudwatch;"
            "print(','.join(m for m in ('boto3', 'botocore', 'ipywidgets', 'matplotlib', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
