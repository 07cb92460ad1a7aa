from receipt_lint.cli import run

run()
