"""The ``adgen`` command run in-process, for the command-line tests."""

from adgen.cli import main


def run(capsys, *argv):
    """``(exit code, stdout, stderr)`` of ``adgen *argv``; never a traceback."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err
