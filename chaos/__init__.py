"""`make chaos`: the saga under failure, and an oracle that says whether anything was lost or
done twice. See docs/reliability.md."""
