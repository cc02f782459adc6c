from taperwatch.cli import entry

entry()
