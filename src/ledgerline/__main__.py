"""`python -m ledgerline …` is the `ledgerline` command."""

from ledgerline.cli import main

main()
