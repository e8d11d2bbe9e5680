from accord.cli import cli

cli()
