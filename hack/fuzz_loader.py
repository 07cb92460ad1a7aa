#!/usr/bin/env python3
"""Coverage-guided fuzzing of the YAML loader and the receipt model (on demand).

    pip install atheris && python3 hack/fuzz_loader.py -max_total_time=60

The loader must turn any bytes into a Document or a YamlError; the model must
accept or reject the data with a ValidationError.  Anything else is a crash
that atheris reports with the input that caused it.
"""

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from pydantic import ValidationError

    from receipt_lint.model.loader import YamlError, load
    from receipt_lint.model.models import Kep, Receipt


def test_one_input(data: bytes) -> None:
    try:
        document = load(data)
    except YamlError:
        return
    for model in (Receipt, Kep):
        with contextlib.suppress(ValidationError):
            model.model_validate(document.data)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
