"""What the GitHub workflows need beyond calling extctl: the pull-request
comment, job summaries, issue bodies and the "is this commit still the tip"
decision. Pure functions over plans and reports; the CLI (`extctl ci`) writes
the files."""
